// Element-wise math, comparisons, matrix products, activations and reductions.
// Ops of one shape share an export and are chosen by a code; the C# enums mirror these lists.
#include "aigc_common.h"

using aigc::guard;
using aigc::ref;
using aigc::wrap;

namespace {

at::Tensor unary(const at::Tensor& x, int32_t op) {
  switch (op) {
    case 0: return at::neg(x);
    case 1: return at::exp(x);
    case 2: return at::log(x);
    case 3: return at::sqrt(x);
    case 4: return at::rsqrt(x);
    case 5: return at::abs(x);
    case 6: return at::sin(x);
    case 7: return at::cos(x);
    case 8: return at::tanh(x);
    case 9: return at::sigmoid(x);
    case 10: return at::relu(x);
    case 11: return at::silu(x);
    case 12: return at::gelu(x, "none");
    case 13: return at::gelu(x, "tanh");
    case 14: return at::sign(x);
    case 15: return at::floor(x);
    case 16: return at::ceil(x);
    case 17: return at::round(x);
    case 18: return at::log1p(x);
    case 19: return at::expm1(x);
    case 20: return at::logical_not(x);
    case 21: return at::square(x);
    case 22: return at::isnan(x);
    case 23: return at::isfinite(x);
    default: TORCH_CHECK(false, "unknown unary op ", op);
  }
}

at::Tensor binary(const at::Tensor& a, const at::Tensor& b, int32_t op) {
  switch (op) {
    case 0: return at::add(a, b);
    case 1: return at::sub(a, b);
    case 2: return at::mul(a, b);
    case 3: return at::div(a, b);
    case 4: return at::pow(a, b);
    case 5: return at::maximum(a, b);
    case 6: return at::minimum(a, b);
    case 7: return at::eq(a, b);
    case 8: return at::ne(a, b);
    case 9: return at::lt(a, b);
    case 10: return at::le(a, b);
    case 11: return at::gt(a, b);
    case 12: return at::ge(a, b);
    case 13: return at::logical_and(a, b);
    case 14: return at::logical_or(a, b);
    case 15: return at::remainder(a, b);
    case 16: return at::atan2(a, b);
    default: TORCH_CHECK(false, "unknown binary op ", op);
  }
}

// Same codes as binary(); op 17 is the reversed subtraction (s - a), 18 reversed division.
at::Tensor binary_scalar(const at::Tensor& a, double s, int32_t op) {
  at::Scalar v(s);
  switch (op) {
    case 0: return at::add(a, v);
    case 1: return at::sub(a, v);
    case 2: return at::mul(a, v);
    case 3: return at::div(a, v);
    case 4: return at::pow(a, v);
    case 5: return at::clamp_min(a, v);
    case 6: return at::clamp_max(a, v);
    case 7: return at::eq(a, v);
    case 8: return at::ne(a, v);
    case 9: return at::lt(a, v);
    case 10: return at::le(a, v);
    case 11: return at::gt(a, v);
    case 12: return at::ge(a, v);
    case 15: return at::remainder(a, v);
    case 17: return at::rsub(a, v);
    case 18: return at::mul(at::reciprocal(a), v);
    default: TORCH_CHECK(false, "unknown scalar binary op ", op);
  }
}

}  // namespace

AIGC_API int32_t Ops_unary(TensorH x, int32_t op, TensorH* out) {
  return guard([&] { *out = wrap(unary(ref(x), op)); });
}

AIGC_API int32_t Ops_binary(TensorH a, TensorH b, int32_t op, TensorH* out) {
  return guard([&] { *out = wrap(binary(ref(a), ref(b), op)); });
}

AIGC_API int32_t Ops_binary_scalar(TensorH a, double s, int32_t op, TensorH* out) {
  return guard([&] { *out = wrap(binary_scalar(ref(a), s, op)); });
}

// a + alpha * b in one kernel (the axpy form optimisers and residuals use).
AIGC_API int32_t Ops_add_scaled(TensorH a, TensorH b, double alpha, TensorH* out) {
  return guard([&] { *out = wrap(at::add(ref(a), ref(b), alpha)); });
}

AIGC_API int32_t Ops_where(TensorH cond, TensorH a, TensorH b, TensorH* out) {
  return guard([&] { *out = wrap(at::where(ref(cond), ref(a), ref(b))); });
}

AIGC_API int32_t Ops_clamp(TensorH x, int32_t has_min, double min, int32_t has_max, double max,
                           TensorH* out) {
  return guard([&] {
    c10::optional<at::Scalar> lo = has_min ? c10::optional<at::Scalar>(min) : c10::nullopt;
    c10::optional<at::Scalar> hi = has_max ? c10::optional<at::Scalar>(max) : c10::nullopt;
    *out = wrap(at::clamp(ref(x), lo, hi));
  });
}

AIGC_API int32_t Ops_leaky_relu(TensorH x, double slope, TensorH* out) {
  return guard([&] { *out = wrap(at::leaky_relu(ref(x), slope)); });
}

// kind: 0 softmax, 1 log_softmax.
AIGC_API int32_t Ops_softmax(TensorH x, int64_t dim, int32_t kind, TensorH* out) {
  return guard([&] {
    *out = wrap(kind == 0 ? at::softmax(ref(x), dim) : at::log_softmax(ref(x), dim));
  });
}

// kind: 0 matmul (broadcasting), 1 mm, 2 bmm.
AIGC_API int32_t Ops_matmul(TensorH a, TensorH b, int32_t kind, TensorH* out) {
  return guard([&] {
    switch (kind) {
      case 0: *out = wrap(at::matmul(ref(a), ref(b))); break;
      case 1: *out = wrap(at::mm(ref(a), ref(b))); break;
      case 2: *out = wrap(at::bmm(ref(a), ref(b))); break;
      default: TORCH_CHECK(false, "unknown matmul kind ", kind);
    }
  });
}

// y = x W^T + b, with b optional.
AIGC_API int32_t Ops_linear(TensorH x, TensorH w, TensorH b, TensorH* out) {
  return guard([&] { *out = wrap(at::linear(ref(x), ref(w), aigc::opt(b))); });
}

// op: 0 sum, 1 mean, 2 amax, 3 amin, 4 logsumexp, 5 prod (prod needs exactly one dim or none).
// ndims == 0 reduces over every dimension.
AIGC_API int32_t Ops_reduce(TensorH x, int32_t op, const int64_t* dims, int64_t ndims,
                            int32_t keepdim, TensorH* out) {
  return guard([&] {
    const auto& t = ref(x);
    bool keep = keepdim != 0;
    std::vector<int64_t> all;
    if (ndims == 0)
      for (int64_t i = 0; i < t.dim(); ++i) all.push_back(i);
    auto d = ndims == 0 ? at::IntArrayRef(all) : aigc::dims(dims, ndims);
    switch (op) {
      case 0: *out = wrap(ndims == 0 && !keep ? at::sum(t) : at::sum(t, d, keep)); break;
      case 1: *out = wrap(ndims == 0 && !keep ? at::mean(t) : at::mean(t, d, keep)); break;
      case 2: *out = wrap(at::amax(t, d, keep)); break;
      case 3: *out = wrap(at::amin(t, d, keep)); break;
      case 4: *out = wrap(at::logsumexp(t, d, keep)); break;
      case 5:
        TORCH_CHECK(ndims <= 1, "prod reduces over one dimension or all of them");
        *out = wrap(ndims == 0 ? at::prod(t) : at::prod(t, d[0], keep));
        break;
      default: TORCH_CHECK(false, "unknown reduction ", op);
    }
  });
}

// kind: 0 var, 1 std. correction 1 = unbiased (Bessel), 0 = population.
AIGC_API int32_t Ops_var_std(TensorH x, int32_t kind, const int64_t* dims, int64_t ndims,
                             int32_t unbiased, int32_t keepdim, TensorH* out) {
  return guard([&] {
    c10::OptionalIntArrayRef d = ndims == 0 ? c10::OptionalIntArrayRef() : aigc::dims(dims, ndims);
    bool u = unbiased != 0, keep = keepdim != 0;
    *out = wrap(kind == 0 ? at::var(ref(x), d, u, keep) : at::std(ref(x), d, u, keep));
  });
}

AIGC_API int32_t Ops_norm(TensorH x, double p, const int64_t* dims, int64_t ndims, int32_t keepdim,
                          TensorH* out) {
  return guard([&] {
    c10::OptionalIntArrayRef d = ndims == 0 ? c10::OptionalIntArrayRef() : aigc::dims(dims, ndims);
    *out = wrap(at::linalg_vector_norm(ref(x), p, d, keepdim != 0, c10::nullopt));
  });
}

// kind: 0 max, 1 min along dim, giving values and indices.
AIGC_API int32_t Ops_minmax_dim(TensorH x, int32_t kind, int64_t dim, int32_t keepdim,
                                TensorH* values, TensorH* indices) {
  return guard([&] {
    auto r = kind == 0 ? at::max(ref(x), dim, keepdim != 0) : at::min(ref(x), dim, keepdim != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}

// kind: 0 argmax, 1 argmin; has_dim == 0 means over the flattened tensor.
AIGC_API int32_t Ops_argminmax(TensorH x, int32_t kind, int32_t has_dim, int64_t dim,
                               int32_t keepdim, TensorH* out) {
  return guard([&] {
    c10::optional<int64_t> d = has_dim ? c10::optional<int64_t>(dim) : c10::nullopt;
    *out = wrap(kind == 0 ? at::argmax(ref(x), d, keepdim != 0) : at::argmin(ref(x), d, keepdim != 0));
  });
}

AIGC_API int32_t Ops_topk(TensorH x, int64_t k, int64_t dim, int32_t largest, int32_t sorted,
                          TensorH* values, TensorH* indices) {
  return guard([&] {
    auto r = at::topk(ref(x), k, dim, largest != 0, sorted != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}

AIGC_API int32_t Ops_sort(TensorH x, int64_t dim, int32_t descending, TensorH* values,
                          TensorH* indices) {
  return guard([&] {
    auto r = at::sort(ref(x), dim, descending != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  });
}

AIGC_API int32_t Ops_cumsum(TensorH x, int64_t dim, TensorH* out) {
  return guard([&] { *out = wrap(at::cumsum(ref(x), dim)); });
}

AIGC_API int32_t Ops_multinomial(TensorH probs, int64_t samples, int32_t replacement, TensorH* out) {
  return guard([&] { *out = wrap(at::multinomial(ref(probs), samples, replacement != 0)); });
}
