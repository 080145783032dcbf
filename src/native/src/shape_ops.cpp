// Views, indexing, joining and splitting.
#include "aigc_common.h"

using aigc::guard;
using aigc::ref;
using aigc::wrap;

namespace {

std::vector<at::Tensor> gather_handles(const TensorH* handles, int64_t count) {
  TORCH_CHECK(count > 0, "expected at least one tensor");
  std::vector<at::Tensor> list;
  list.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) list.push_back(ref(handles[i]));
  return list;
}

void emit_list(const std::vector<at::Tensor>& parts, TensorH* buf, int64_t capacity, int64_t* count) {
  *count = static_cast<int64_t>(parts.size());
  TORCH_CHECK(*count <= capacity, "result has ", *count, " parts but the buffer holds ", capacity);
  for (size_t i = 0; i < parts.size(); ++i) buf[i] = wrap(parts[i]);
}

}  // namespace

// kind: 0 view (no copy; fails on incompatible strides), 1 reshape (copies when it must),
// 2 expand, 3 repeat, 4 permute, 5 flip.
AIGC_API int32_t Shape_reshape(TensorH x, int32_t kind, const int64_t* shape, int64_t ndim,
                               TensorH* out) {
  return guard([&] {
    auto s = aigc::dims(shape, ndim);
    switch (kind) {
      case 0: *out = wrap(ref(x).view(s)); break;
      case 1: *out = wrap(ref(x).reshape(s)); break;
      case 2: *out = wrap(ref(x).expand(s)); break;
      case 3: *out = wrap(ref(x).repeat(s)); break;
      case 4: *out = wrap(ref(x).permute(s)); break;
      case 5: *out = wrap(ref(x).flip(s)); break;
      default: TORCH_CHECK(false, "unknown reshape kind ", kind);
    }
  });
}

AIGC_API int32_t Shape_transpose(TensorH x, int64_t d0, int64_t d1, TensorH* out) {
  return guard([&] { *out = wrap(ref(x).transpose(d0, d1)); });
}

AIGC_API int32_t Shape_flatten(TensorH x, int64_t start, int64_t end, TensorH* out) {
  return guard([&] { *out = wrap(ref(x).flatten(start, end)); });
}

// has_dim == 0 squeezes every size-1 dimension.
AIGC_API int32_t Shape_squeeze(TensorH x, int32_t has_dim, int64_t dim, TensorH* out) {
  return guard([&] { *out = wrap(has_dim ? ref(x).squeeze(dim) : ref(x).squeeze()); });
}

AIGC_API int32_t Shape_unsqueeze(TensorH x, int64_t dim, TensorH* out) {
  return guard([&] { *out = wrap(ref(x).unsqueeze(dim)); });
}

AIGC_API int32_t Shape_narrow(TensorH x, int64_t dim, int64_t start, int64_t length, TensorH* out) {
  return guard([&] { *out = wrap(ref(x).narrow(dim, start, length)); });
}

AIGC_API int32_t Shape_slice(TensorH x, int64_t dim, int64_t start, int64_t end, int64_t step,
                             TensorH* out) {
  return guard([&] { *out = wrap(ref(x).slice(dim, start, end, step)); });
}

AIGC_API int32_t Shape_select(TensorH x, int64_t dim, int64_t index, TensorH* out) {
  return guard([&] { *out = wrap(ref(x).select(dim, index)); });
}

AIGC_API int32_t Shape_index_select(TensorH x, int64_t dim, TensorH index, TensorH* out) {
  return guard([&] { *out = wrap(at::index_select(ref(x), dim, ref(index))); });
}

AIGC_API int32_t Shape_gather(TensorH x, int64_t dim, TensorH index, TensorH* out) {
  return guard([&] { *out = wrap(at::gather(ref(x), dim, ref(index))); });
}

AIGC_API int32_t Shape_scatter(TensorH x, int64_t dim, TensorH index, TensorH src, TensorH* out) {
  return guard([&] { *out = wrap(at::scatter(ref(x), dim, ref(index), ref(src))); });
}

AIGC_API int32_t Shape_masked_fill(TensorH x, TensorH mask, double value, TensorH* out) {
  return guard([&] { *out = wrap(at::masked_fill(ref(x), ref(mask), value)); });
}

AIGC_API int32_t Shape_masked_select(TensorH x, TensorH mask, TensorH* out) {
  return guard([&] { *out = wrap(at::masked_select(ref(x), ref(mask))); });
}

// kind: 0 tril, 1 triu.
AIGC_API int32_t Shape_triangle(TensorH x, int32_t kind, int64_t diagonal, TensorH* out) {
  return guard([&] {
    *out = wrap(kind == 0 ? at::tril(ref(x), diagonal) : at::triu(ref(x), diagonal));
  });
}

// kind: 0 cat (along an existing dim), 1 stack (along a new dim).
AIGC_API int32_t Shape_join(const TensorH* handles, int64_t count, int64_t dim, int32_t kind,
                            TensorH* out) {
  return guard([&] {
    auto list = gather_handles(handles, count);
    *out = wrap(kind == 0 ? at::cat(list, dim) : at::stack(list, dim));
  });
}

// kind: 0 chunk into `n` parts, 1 split into parts of size `n` (last may be smaller).
AIGC_API int32_t Shape_split(TensorH x, int32_t kind, int64_t n, int64_t dim, TensorH* buf,
                             int64_t capacity, int64_t* count) {
  return guard([&] {
    auto parts = kind == 0 ? ref(x).chunk(n, dim) : ref(x).split(n, dim);
    emit_list(parts, buf, capacity, count);
  });
}
