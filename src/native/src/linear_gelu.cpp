// Linear followed by exact GELU as one autograd node for CPU training, where libtorch runs them op
// by op: the backward pass forms the GELU slope, the pre-activation gradient and the bias gradient in
// one pass (not gelu_backward and then a sum). The forward pass stays ATen's: addmm folds the bias
// into the GEMM for free, and ATen's GELU pass (Sleef's exp) is faster than ours (0.16 against 0.30
// ms for a (768, 512) float pass on one core). Other devices, dtypes and a missing bias take
// linear + gelu, so their results are torch's own.
#include "fused_cpu.h"

#include <torch/csrc/autograd/custom_function.h>

#include <cmath>

using aigc::guard;
using aigc::opt;
using aigc::pick_fma_clone;
using aigc::ref;
using aigc::wrap;
using namespace aigc::fused;

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr double kSqrtHalf = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

// The GELU backward over an (N, C) row-major pre-activation, with the bias gradient.
template <typename T>
struct GeluGrad {
  const T* z;   // pre-activation, bias included (N, C)
  const T* dy;  // the output's gradient (N, C)
  T* dz;        // the pre-activation's gradient (N, C)
  int64_t rows, cols;
};

// dz = dy (Phi(z) + z phi(z)), with one e^(-z²/2) serving both the erf inside Phi and the density
// phi; the block's column sums of dz (the bias gradient) go to db (C doubles).
__attribute__((always_inline)) inline void gelu_grad_f32(const GeluGrad<float>& a, int64_t r0, int64_t r1, double* db) {
  std::vector<float> partial(a.cols + 8, 0.0f);
  for (int64_t r = r0; r < r1; ++r) {
    const float *z = a.z + r * a.cols, *dy = a.dy + r * a.cols;
    float* dz = a.dz + r * a.cols;
    for (int64_t c = 0; c < a.cols; c += 8) {
      int64_t n = std::min<int64_t>(8, a.cols - c);
      v8f x = load_n(z + c, n), gauss;
      v8f cdf = 0.5f * (1.0f + erf8(x * static_cast<float>(kSqrtHalf), &gauss));
      v8f g = load_n(dy + c, n) * (cdf + x * gauss * static_cast<float>(kInvSqrt2Pi));
      store_n(dz + c, g, n);
      store8(partial.data() + c, load8(partial.data() + c) + g);  // lanes past n add the padding's 0
    }
  }
  for (int64_t j = 0; j < a.cols; ++j) db[j] = partial[j];
}

void gelu_grad_f32_baseline(const GeluGrad<float>& a, int64_t r0, int64_t r1, double* db) { gelu_grad_f32(a, r0, r1, db); }
AIGC_AVX2_FMA void gelu_grad_f32_avx2(const GeluGrad<float>& a, int64_t r0, int64_t r1, double* db) { gelu_grad_f32(a, r0, r1, db); }

// Double precision (tests, float64 models): plain scalar code with the C library's erf and exp.
void gelu_grad_f64(const GeluGrad<double>& a, int64_t r0, int64_t r1, double* db) {
  for (int64_t i = r0 * a.cols; i < r1 * a.cols; ++i) {
    double z = a.z[i];
    a.dz[i] = a.dy[i] * (0.5 * (1.0 + std::erf(z * kSqrtHalf)) + z * std::exp(-0.5 * z * z) * kInvSqrt2Pi);
    db[i % a.cols] += a.dz[i];
  }
}

// Fills dz and db from dy and the pre-activation z, all contiguous (N, C) and (C).
template <typename T, typename F>
void gelu_grad(const at::Tensor& dy, const at::Tensor& z, at::Tensor& dz, at::Tensor& db, F kernel) {
  GeluGrad<T> a{z.data_ptr<T>(), dy.data_ptr<T>(), dz.data_ptr<T>(), z.size(0), z.size(1)};
  std::vector<double> parts(row_blocks(a.rows) * a.cols, 0.0);
  over_row_blocks(a.rows, a.cols, [&](int64_t k, int64_t r0, int64_t r1) { kernel(a, r0, r1, parts.data() + k * a.cols); });
  sum_blocks(parts, a.cols, db.data_ptr<T>());
}

// GELU(x Wᵀ + b) over the last dimension of x. The forward pass is addmm (the bias rides in the
// GEMM's accumulator for free) and ATen's GELU; the backward pass is one kernel for the GELU slope,
// the pre-activation gradient and the bias gradient, then the two GEMMs, the weight gradient made
// contiguous directly. Saves x and the pre-activation, the same memory as linear + gelu save.
struct LinearGelu : public torch::autograd::Function<LinearGelu> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    at::Tensor rows = x.reshape({-1, x.size(-1)});
    at::Tensor z = at::addmm(b, rows, w.t());
    ctx->save_for_backward({rows, w, z});
    ctx->saved_data["shape"] = x.sizes();
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = w.size(0);
    return at::gelu(z).view(shape);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &rows = saved[0], &w = saved[1], &z = saved[2];
    at::Tensor dy = grads[0].reshape({-1, w.size(0)}).contiguous();
    at::Tensor dz = at::empty_like(z);
    at::Tensor db = at::empty({w.size(0)}, z.options());
    if (z.scalar_type() == at::kFloat)
      gelu_grad<float>(dy, z, dz, db, pick_fma_clone(&gelu_grad_f32_baseline, &gelu_grad_f32_avx2));
    else
      gelu_grad<double>(dy, z, dz, db, &gelu_grad_f64);
    at::Tensor dx, dw;
    if (ctx->needs_input_grad(0)) dx = at::mm(dz, w).view(ctx->saved_data["shape"].toIntVector());
    if (ctx->needs_input_grad(1)) dw = at::mm(dz.t(), rows);
    return {dx, dw, db};
  }
};

}  // namespace

// GELU(x Wᵀ + b) with exact (erf) GELU; x (..., in), W (out, in), b (out) or null.
AIGC_API int32_t Nn_linear_gelu(TensorH x, TensorH w, TensorH b, TensorH* out) {
  return guard([&] {
    const auto &X = ref(x), &W = ref(w);
    at::Tensor B = opt(b);
    if (on_cpu({X, W, B}) && W.dim() == 2 && B.dim() == 1 && X.dim() >= 1 && X.size(-1) == W.size(1) &&
        B.size(0) == W.size(0) && X.numel() > 0)
      *out = wrap(LinearGelu::apply(X, W.contiguous(), B.contiguous()));
    else
      *out = wrap(at::gelu(at::linear(X, W, B)));
  });
}
