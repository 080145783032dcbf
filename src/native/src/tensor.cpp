// Tensor lifetime, creation, metadata, data transfer, conversion and in-place initialisers.
#include "aigc_common.h"

#include <cstring>

using aigc::guard;
using aigc::ref;
using aigc::wrap;

// Freeing NULL is a no-op, like free().
AIGC_API void Tensor_free(TensorH t) { delete t; }

AIGC_API int32_t Tensor_new_handle(TensorH t, TensorH* out) {
  return guard([&] { *out = wrap(ref(t)); });
}

// kind: 0 zeros, 1 ones, 2 empty, 3 rand (U[0,1)), 4 randn (N(0,1)).
AIGC_API int32_t Tensor_factory(int32_t kind, const int64_t* shape, int64_t ndim, int32_t dtype,
                                int32_t dev_type, int32_t dev_index, TensorH* out) {
  return guard([&] {
    auto opts = aigc::options(dtype, dev_type, dev_index);
    auto size = aigc::dims(shape, ndim);
    switch (kind) {
      case 0: *out = wrap(at::zeros(size, opts)); break;
      case 1: *out = wrap(at::ones(size, opts)); break;
      case 2: *out = wrap(at::empty(size, opts)); break;
      case 3: *out = wrap(at::rand(size, opts)); break;
      case 4: *out = wrap(at::randn(size, opts)); break;
      default: TORCH_CHECK(false, "unknown factory kind ", kind);
    }
  });
}

AIGC_API int32_t Tensor_full(const int64_t* shape, int64_t ndim, double value, int32_t dtype,
                             int32_t dev_type, int32_t dev_index, TensorH* out) {
  return guard([&] {
    *out = wrap(at::full(aigc::dims(shape, ndim), value, aigc::options(dtype, dev_type, dev_index)));
  });
}

AIGC_API int32_t Tensor_randint(int64_t low, int64_t high, const int64_t* shape, int64_t ndim,
                                int32_t dtype, int32_t dev_type, int32_t dev_index, TensorH* out) {
  return guard([&] {
    *out = wrap(at::randint(low, high, aigc::dims(shape, ndim), aigc::options(dtype, dev_type, dev_index)));
  });
}

AIGC_API int32_t Tensor_arange(double start, double end, double step, int32_t dtype,
                               int32_t dev_type, int32_t dev_index, TensorH* out) {
  return guard([&] {
    *out = wrap(at::arange(start, end, step, aigc::options(dtype, dev_type, dev_index)));
  });
}

AIGC_API int32_t Tensor_linspace(double start, double end, int64_t steps, int32_t dtype,
                                 int32_t dev_type, int32_t dev_index, TensorH* out) {
  return guard([&] {
    *out = wrap(at::linspace(start, end, steps, aigc::options(dtype, dev_type, dev_index)));
  });
}

// Copies nbytes from data into a new CPU tensor; the caller keeps ownership of data.
AIGC_API int32_t Tensor_from_data(const void* data, int64_t nbytes, const int64_t* shape,
                                  int64_t ndim, int32_t dtype, TensorH* out) {
  return guard([&] {
    auto t = at::empty(aigc::dims(shape, ndim), aigc::options(dtype, 0, 0));
    TORCH_CHECK(static_cast<int64_t>(t.nbytes()) == nbytes, "data has ", nbytes,
                " bytes but shape and dtype need ", t.nbytes());
    if (nbytes > 0) std::memcpy(t.data_ptr(), data, static_cast<size_t>(nbytes));
    *out = wrap(std::move(t));
  });
}

// Copies the tensor's elements (from any device, any layout) into dst as a dense array.
AIGC_API int32_t Tensor_copy_to(TensorH t, void* dst, int64_t nbytes) {
  return guard([&] {
    auto src = ref(t).detach().to(at::kCPU).contiguous();
    TORCH_CHECK(static_cast<int64_t>(src.nbytes()) == nbytes, "destination has ", nbytes,
                " bytes but the tensor holds ", src.nbytes());
    if (nbytes > 0) std::memcpy(dst, src.data_ptr(), static_cast<size_t>(nbytes));
  });
}

AIGC_API int32_t Tensor_ndim(TensorH t, int64_t* out) {
  return guard([&] { *out = ref(t).dim(); });
}

AIGC_API int32_t Tensor_shape(TensorH t, int64_t* buf, int64_t capacity) {
  return guard([&] {
    auto sizes = ref(t).sizes();
    TORCH_CHECK(static_cast<int64_t>(sizes.size()) <= capacity, "shape buffer too small");
    for (size_t i = 0; i < sizes.size(); ++i) buf[i] = sizes[i];
  });
}

AIGC_API int32_t Tensor_dtype(TensorH t, int32_t* out) {
  return guard([&] { *out = static_cast<int32_t>(ref(t).scalar_type()); });
}

AIGC_API int32_t Tensor_device(TensorH t, int32_t* type, int32_t* index) {
  return guard([&] {
    auto d = ref(t).device();
    *type = d.is_cuda() ? 1 : 0;
    *index = d.has_index() ? d.index() : 0;
  });
}

AIGC_API int32_t Tensor_item(TensorH t, double* out) {
  return guard([&] { *out = ref(t).item<double>(); });
}

AIGC_API int32_t Tensor_item_int64(TensorH t, int64_t* out) {
  return guard([&] { *out = ref(t).item<int64_t>(); });
}

AIGC_API int32_t Tensor_requires_grad(TensorH t, int32_t* out) {
  return guard([&] { *out = ref(t).requires_grad() ? 1 : 0; });
}

AIGC_API int32_t Tensor_set_requires_grad(TensorH t, int32_t value) {
  return guard([&] { ref(t).requires_grad_(value != 0); });
}

AIGC_API int32_t Tensor_to(TensorH t, int32_t dtype, int32_t dev_type, int32_t dev_index,
                           TensorH* out) {
  return guard([&] {
    *out = wrap(ref(t).to(aigc::to_device(dev_type, dev_index), aigc::to_dtype(dtype)));
  });
}

AIGC_API int32_t Tensor_clone(TensorH t, TensorH* out) {
  return guard([&] { *out = wrap(ref(t).clone()); });
}

AIGC_API int32_t Tensor_detach(TensorH t, TensorH* out) {
  return guard([&] { *out = wrap(ref(t).detach()); });
}

AIGC_API int32_t Tensor_contiguous(TensorH t, TensorH* out) {
  return guard([&] { *out = wrap(ref(t).contiguous()); });
}

AIGC_API int32_t Tensor_copy_(TensorH dst, TensorH src) {
  return guard([&] { ref(dst).copy_(ref(src)); });
}

AIGC_API int32_t Tensor_fill_(TensorH t, double value) {
  return guard([&] { ref(t).fill_(value); });
}

// In-place random initialisers; they bypass autograd, like torch.nn.init.
AIGC_API int32_t Tensor_normal_(TensorH t, double mean, double std) {
  return guard([&] {
    at::NoGradGuard no_grad;
    ref(t).normal_(mean, std);
  });
}

AIGC_API int32_t Tensor_uniform_(TensorH t, double low, double high) {
  return guard([&] {
    at::NoGradGuard no_grad;
    ref(t).uniform_(low, high);
  });
}
