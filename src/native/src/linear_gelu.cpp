// Linear followed by exact GELU as one autograd node for CPU training, where libtorch runs them op
// by op: the bias is added inside the GELU pass (not broadcast-copied before the GEMM) and its
// gradient summed inside the GELU-backward pass (not in a pass of its own). Other devices, dtypes
// and a missing bias take linear + gelu, so their results are torch's own.
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

// Bias + GELU over an (N, C) row-major matrix.
template <typename T>
struct BiasGelu {
  const T* u;   // pre-activation without the bias (N, C)
  const T* b;   // bias (C)
  const T* dy;  // backward: the output's gradient (N, C)
  T* out;       // forward: GELU(u + b); backward: the pre-activation's gradient
  int64_t rows, cols;
};

__attribute__((always_inline)) inline void gelu_forward_f32(const BiasGelu<float>& a, int64_t r0, int64_t r1, double*) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* u = a.u + r * a.cols;
    float* y = a.out + r * a.cols;
    for (int64_t c = 0; c < a.cols; c += 8) {
      int64_t n = std::min<int64_t>(8, a.cols - c);
      v8f z = load_n(u + c, n) + load_n(a.b + c, n);
      store_n(y + c, 0.5f * z * (1.0f + erf8(z * static_cast<float>(kSqrtHalf))), n);
    }
  }
}

// d GELU(z) / dz = Phi(z) + z phi(z); the block's bias gradient goes to db (C doubles).
__attribute__((always_inline)) inline void gelu_backward_f32(const BiasGelu<float>& a, int64_t r0, int64_t r1, double* db) {
  std::vector<float> partial(a.cols + 8, 0.0f);
  for (int64_t r = r0; r < r1; ++r) {
    const float *u = a.u + r * a.cols, *dy = a.dy + r * a.cols;
    float* dz = a.out + r * a.cols;
    for (int64_t c = 0; c < a.cols; c += 8) {
      int64_t n = std::min<int64_t>(8, a.cols - c);
      v8f z = load_n(u + c, n) + load_n(a.b + c, n);
      v8f cdf = 0.5f * (1.0f + erf8(z * static_cast<float>(kSqrtHalf)));
      v8f pdf = exp8(-0.5f * z * z) * static_cast<float>(kInvSqrt2Pi);
      v8f g = load_n(dy + c, n) * (cdf + z * pdf);
      store_n(dz + c, g, n);
      store8(partial.data() + c, load8(partial.data() + c) + g);  // lanes past n add the padding's 0
    }
  }
  for (int64_t j = 0; j < a.cols; ++j) db[j] = partial[j];
}

void gelu_forward_f32_baseline(const BiasGelu<float>& a, int64_t r0, int64_t r1, double* db) { gelu_forward_f32(a, r0, r1, db); }
AIGC_AVX2_FMA void gelu_forward_f32_avx2(const BiasGelu<float>& a, int64_t r0, int64_t r1, double* db) { gelu_forward_f32(a, r0, r1, db); }
void gelu_backward_f32_baseline(const BiasGelu<float>& a, int64_t r0, int64_t r1, double* db) { gelu_backward_f32(a, r0, r1, db); }
AIGC_AVX2_FMA void gelu_backward_f32_avx2(const BiasGelu<float>& a, int64_t r0, int64_t r1, double* db) { gelu_backward_f32(a, r0, r1, db); }

// Double precision (tests, float64 models): plain scalar code with the C library's erf and exp.
void gelu_forward_f64(const BiasGelu<double>& a, int64_t r0, int64_t r1, double*) {
  for (int64_t i = r0 * a.cols; i < r1 * a.cols; ++i) {
    double z = a.u[i] + a.b[i % a.cols];
    a.out[i] = 0.5 * z * (1.0 + std::erf(z * kSqrtHalf));
  }
}

void gelu_backward_f64(const BiasGelu<double>& a, int64_t r0, int64_t r1, double* db) {
  for (int64_t i = r0 * a.cols; i < r1 * a.cols; ++i) {
    double z = a.u[i] + a.b[i % a.cols];
    double slope = 0.5 * (1.0 + std::erf(z * kSqrtHalf)) + z * std::exp(-0.5 * z * z) * kInvSqrt2Pi;
    a.out[i] = a.dy[i] * slope;
    db[i % a.cols] += a.out[i];
  }
}

// Runs the kernel over row blocks; with db, sums the blocks' bias gradients into it.
template <typename T, typename F>
void run_bias_gelu(const BiasGelu<T>& a, F kernel, T* db) {
  std::vector<double> parts(db ? row_blocks(a.rows) * a.cols : 0, 0.0);
  over_row_blocks(a.rows, a.cols, [&](int64_t k, int64_t r0, int64_t r1) {
    kernel(a, r0, r1, db ? parts.data() + k * a.cols : nullptr);
  });
  if (db) sum_blocks(parts, a.cols, db);
}

void bias_gelu_forward(const at::Tensor& u, const at::Tensor& b, at::Tensor& out) {
  if (u.scalar_type() == at::kFloat) {
    BiasGelu<float> a{u.data_ptr<float>(), b.data_ptr<float>(), nullptr, out.data_ptr<float>(), u.size(0), u.size(1)};
    run_bias_gelu(a, pick_fma_clone(&gelu_forward_f32_baseline, &gelu_forward_f32_avx2), static_cast<float*>(nullptr));
  } else {
    BiasGelu<double> a{u.data_ptr<double>(), b.data_ptr<double>(), nullptr, out.data_ptr<double>(), u.size(0), u.size(1)};
    run_bias_gelu(a, &gelu_forward_f64, static_cast<double*>(nullptr));
  }
}

void bias_gelu_backward(const at::Tensor& dy, const at::Tensor& u, const at::Tensor& b, at::Tensor& dz, at::Tensor& db) {
  if (u.scalar_type() == at::kFloat) {
    BiasGelu<float> a{u.data_ptr<float>(), b.data_ptr<float>(), dy.data_ptr<float>(), dz.data_ptr<float>(), u.size(0), u.size(1)};
    run_bias_gelu(a, pick_fma_clone(&gelu_backward_f32_baseline, &gelu_backward_f32_avx2), db.data_ptr<float>());
  } else {
    BiasGelu<double> a{u.data_ptr<double>(), b.data_ptr<double>(), dy.data_ptr<double>(), dz.data_ptr<double>(), u.size(0), u.size(1)};
    run_bias_gelu(a, &gelu_backward_f64, db.data_ptr<double>());
  }
}

// GELU(x Wᵀ + b) over the last dimension of x. Saves x and the pre-activation without the bias,
// the same memory as linear + gelu save.
struct LinearGelu : public torch::autograd::Function<LinearGelu> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    at::Tensor rows = x.reshape({-1, x.size(-1)});
    at::Tensor u = at::mm(rows, w.t());
    at::Tensor y = at::empty_like(u);
    bias_gelu_forward(u, b, y);
    ctx->save_for_backward({rows, w, b, u});
    ctx->saved_data["shape"] = x.sizes();
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = w.size(0);
    return y.view(shape);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &rows = saved[0], &w = saved[1], &b = saved[2], &u = saved[3];
    at::Tensor dy = grads[0].reshape({-1, w.size(0)}).contiguous();
    at::Tensor dz = at::empty_like(u);
    at::Tensor db = at::empty_like(b);
    bias_gelu_backward(dy, u, b, dz, db);
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
