// Optimiser updates, fused per parameter group so a whole step is one call from C#. The math
// follows torch.optim's single-tensor implementations, so results match to rounding.
#include "aigc_common.h"
#include "cpu_clones.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace {

using aigc::pick_clone;

// One pass over memory instead of torch.optim's seven (mul_, add_, mul_, addcmul_, sqrt, div,
// addcdiv_): each element of p, g, m and v is read once and p, m, v written once. Same formulas
// and association as the op sequence.
template <typename T>
struct AdamUpdate {
  T* p;
  const T* g;
  T* m;
  T* v;
  T b1, b2, one_minus_b1, one_minus_b2, wd, decay, eps, neg_step, bc2;
  bool l2, shrink;
};

// The loop body, inlined into each instruction-set clone below so each is vectorised for its ISA.
template <typename T>
__attribute__((always_inline)) inline void adam_range(const AdamUpdate<T>& u, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    T grad = u.g[i];
    T param = u.p[i];
    if (u.shrink) param *= u.decay;
    if (u.l2) grad += u.wd * param;
    T mi = u.m[i] * u.b1 + u.one_minus_b1 * grad;
    T vi = u.v[i] * u.b2 + u.one_minus_b2 * grad * grad;
    u.m[i] = mi;
    u.v[i] = vi;
    T denom = std::sqrt(vi) / u.bc2 + u.eps;
    u.p[i] = param + u.neg_step * (mi / denom);
  }
}

// The shim is built for the baseline x86-64 ISA (SSE2), where this loop is bound by the square root
// and division at 4 floats a time (a third of a small MLP's training step, by perf). The AVX2 clone
// does 8 at a time; it is chosen at run time, so the library still loads on CPUs without AVX2. No
// FMA: contracting the multiply-adds would change the rounding against torch.optim's op sequence.
template <typename T>
void adam_range_baseline(const AdamUpdate<T>& u, int64_t begin, int64_t end) {
  adam_range(u, begin, end);
}

template <typename T>
AIGC_AVX2 void adam_range_avx2(const AdamUpdate<T>& u, int64_t begin, int64_t end) {
  adam_range(u, begin, end);
}

template <typename T>
void adam_fused_cpu(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v, double lr,
                    double beta1, double beta2, double eps, double weight_decay, bool decoupled,
                    double step_size, double bias_correction2_sqrt) {
  AdamUpdate<T> u{p.data_ptr<T>(), g.data_ptr<T>(), m.data_ptr<T>(), v.data_ptr<T>(),
                  static_cast<T>(beta1), static_cast<T>(beta2),
                  static_cast<T>(1 - beta1), static_cast<T>(1 - beta2),
                  static_cast<T>(weight_decay), static_cast<T>(1 - lr * weight_decay),
                  static_cast<T>(eps), static_cast<T>(-step_size), static_cast<T>(bias_correction2_sqrt),
                  weight_decay != 0 && !decoupled, weight_decay != 0 && decoupled};
  auto range = pick_clone(&adam_range_baseline<T>, &adam_range_avx2<T>);
  at::parallel_for(0, p.numel(), 16384, [&](int64_t begin, int64_t end) { range(u, begin, end); });
}

// Sum of squares of x[begin, end) in double, in two 4-wide vector accumulators (GCC's vector
// extensions: one AVX register each in the AVX2 clone, two SSE registers in the baseline one); a
// single running sum would not be vectorised, as that reorders the additions.
template <typename T>
__attribute__((always_inline)) inline double sum_squares(const T* x, int64_t begin, int64_t end) {
  typedef double Double4 __attribute__((vector_size(4 * sizeof(double))));
  typedef T Vec4 __attribute__((vector_size(4 * sizeof(T))));
  Double4 a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
  int64_t i = begin;
  for (; i + 8 <= end; i += 8) {
    Vec4 u, v;
    std::memcpy(&u, x + i, sizeof u);
    std::memcpy(&v, x + i + 4, sizeof v);
    Double4 du = __builtin_convertvector(u, Double4), dv = __builtin_convertvector(v, Double4);
    a += du * du;
    b += dv * dv;
  }
  a += b;
  double total = (a[0] + a[1]) + (a[2] + a[3]);
  for (; i < end; ++i) total += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  return total;
}

template <typename T>
__attribute__((always_inline)) inline void scale(T* x, int64_t begin, int64_t end, T coef) {
  for (int64_t i = begin; i < end; ++i) x[i] *= coef;
}

template <typename T>
double sum_squares_baseline(const T* x, int64_t begin, int64_t end) {
  return sum_squares(x, begin, end);
}

template <typename T>
void scale_baseline(T* x, int64_t begin, int64_t end, T coef) {
  scale(x, begin, end, coef);
}

template <typename T>
AIGC_AVX2 double sum_squares_avx2(const T* x, int64_t begin, int64_t end) {
  return sum_squares(x, begin, end);
}

template <typename T>
AIGC_AVX2 void scale_avx2(T* x, int64_t begin, int64_t end, T coef) {
  scale(x, begin, end, coef);
}

// The 2-norm clip in two passes over the gradients (sum of squares, then scale), where the op-by-op
// form is a norm per gradient, a stack, a norm, a clamp and a multiply per gradient: ~2 ATen calls
// per parameter, which on a small transformer cost more than the arithmetic. The scale multiplies by
// the coefficient rounded to the gradient's type, as Tensor.mul_(scalar) does; a coefficient of 1
// leaves the gradients as they are (multiplying finite values by 1 would not change them either).
template <typename T>
double clip_grad_norm2_fused(const std::vector<at::Tensor>& grads, double max_norm) {
  auto sum = pick_clone(&sum_squares_baseline<T>, &sum_squares_avx2<T>);
  auto mul = pick_clone(&scale_baseline<T>, &scale_avx2<T>);
  // Partial sums over fixed chunks, added in order: the norm does not depend on the thread count.
  constexpr int64_t kChunk = 16384;
  double total_sq = 0;
  for (const auto& g : grads) {
    const T* x = g.data_ptr<T>();
    const int64_t n = g.numel();
    std::vector<double> parts((n + kChunk - 1) / kChunk);
    at::parallel_for(0, static_cast<int64_t>(parts.size()), 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) parts[c] = sum(x, c * kChunk, std::min(n, (c + 1) * kChunk));
    });
    for (double p : parts) total_sq += p;
  }
  double total = std::sqrt(total_sq);
  // As at::clamp: a NaN norm gives a NaN coefficient, which then spreads to every gradient.
  double ratio = max_norm / (total + 1e-6);
  double coef = std::isnan(ratio) ? ratio : std::min(ratio, 1.0);
  if (!(coef >= 1.0)) {
    for (const auto& g : grads) {
      T* x = g.data_ptr<T>();
      T c = static_cast<T>(coef);
      at::parallel_for(0, g.numel(), 16384, [&](int64_t begin, int64_t end) { mul(x, begin, end, c); });
    }
  }
  return total;
}

bool fusable(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v) {
  auto t = p.scalar_type();
  if (!p.device().is_cpu() || (t != at::kFloat && t != at::kDouble)) return false;
  for (const auto* x : {&g, &m, &v})
    if (!x->device().is_cpu() || x->scalar_type() != t || !x->is_contiguous() || x->numel() != p.numel()) return false;
  return p.is_contiguous();
}

}  // namespace

using aigc::guard;
using aigc::ref;
using aigc::wrap;

// Parameters without a gradient are skipped. momentum_bufs[i] may be NULL on the first step:
// the new buffer is returned in new_bufs[i] (NULL when none was created).
AIGC_API int32_t Optim_sgd_step(const TensorH* params, const TensorH* momentum_bufs, TensorH* new_bufs,
                                int64_t count, double lr, double momentum, double dampening,
                                double weight_decay, int32_t nesterov) {
  return guard([&] {
    at::NoGradGuard no_grad;
    for (int64_t i = 0; i < count; ++i) {
      new_bufs[i] = nullptr;
      auto& p = ref(params[i]);
      const auto& g = p.grad();
      if (!g.defined()) continue;
      auto d_p = weight_decay != 0 ? g.add(p, weight_decay) : g;
      if (momentum != 0) {
        at::Tensor buf;
        if (momentum_bufs[i] == nullptr) {
          buf = d_p.clone().detach();
          new_bufs[i] = wrap(buf);
        } else {
          buf = *momentum_bufs[i];
          buf.mul_(momentum).add_(d_p, 1 - dampening);
        }
        d_p = nesterov ? d_p.add(buf, momentum) : buf;
      }
      p.add_(d_p, -lr);
    }
  });
}

// Adam (decoupled == 0) and AdamW (decoupled == 1). `step` is the 1-based step count after
// this update, shared by the group.
AIGC_API int32_t Optim_adam_step(const TensorH* params, const TensorH* exp_avgs,
                                 const TensorH* exp_avg_sqs, int64_t count, int64_t step, double lr,
                                 double beta1, double beta2, double eps, double weight_decay,
                                 int32_t decoupled) {
  return guard([&] {
    TORCH_CHECK(step >= 1, "Adam step count must be at least 1, got ", step);
    at::NoGradGuard no_grad;
    double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(step));
    double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2, static_cast<double>(step)));
    double step_size = lr / bias_correction1;
    for (int64_t i = 0; i < count; ++i) {
      auto& p = ref(params[i]);
      auto g = p.grad();
      if (!g.defined()) continue;
      auto& m = ref(exp_avgs[i]);
      auto& v = ref(exp_avg_sqs[i]);
      if (fusable(p, g, m, v)) {
        if (p.scalar_type() == at::kFloat)
          adam_fused_cpu<float>(p, g, m, v, lr, beta1, beta2, eps, weight_decay, decoupled != 0, step_size, bias_correction2_sqrt);
        else
          adam_fused_cpu<double>(p, g, m, v, lr, beta1, beta2, eps, weight_decay, decoupled != 0, step_size, bias_correction2_sqrt);
        continue;
      }
      if (weight_decay != 0) {
        if (decoupled) p.mul_(1 - lr * weight_decay);
        else g = g.add(p, weight_decay);
      }
      m.mul_(beta1).add_(g, 1 - beta1);
      v.mul_(beta2).addcmul_(g, g, 1 - beta2);
      auto denom = (v.sqrt() / bias_correction2_sqrt).add_(eps);
      p.addcdiv_(m, denom, -step_size);
    }
  });
}

// Scales gradients so their joint p-norm is at most max_norm; returns the norm before clipping.
AIGC_API int32_t Optim_clip_grad_norm(const TensorH* params, int64_t count, double max_norm,
                                      double norm_type, double* total_norm_out) {
  return guard([&] {
    at::NoGradGuard no_grad;
    std::vector<at::Tensor> grads;
    for (int64_t i = 0; i < count; ++i) {
      const auto& g = ref(params[i]).grad();
      if (g.defined()) grads.push_back(g);
    }
    if (grads.empty()) {
      *total_norm_out = 0;
      return;
    }
    auto type = grads[0].scalar_type();
    bool fuse = norm_type == 2 && (type == at::kFloat || type == at::kDouble);
    for (const auto& g : grads)
      fuse = fuse && g.device().is_cpu() && g.scalar_type() == type && g.is_contiguous() && !g.is_sparse();
    if (fuse) {
      *total_norm_out = type == at::kFloat ? clip_grad_norm2_fused<float>(grads, max_norm)
                                           : clip_grad_norm2_fused<double>(grads, max_norm);
      return;
    }
    std::vector<at::Tensor> norms;
    norms.reserve(grads.size());
    for (const auto& g : grads) norms.push_back(at::linalg_vector_norm(g, norm_type, c10::nullopt, false, c10::nullopt));
    auto total = at::linalg_vector_norm(at::stack(norms), norm_type, c10::nullopt, false, c10::nullopt);
    auto coef = at::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
    for (auto& g : grads) g.mul_(coef);
    *total_norm_out = total.item<double>();
  });
}

// Exponential moving average of weights: shadow ← decay·shadow + (1 − decay)·param, for every
// pair at once (one call per training step).
AIGC_API int32_t Optim_ema_update(const TensorH* shadows, const TensorH* params, int64_t count,
                                  double decay) {
  return guard([&] {
    TORCH_CHECK(decay >= 0.0 && decay <= 1.0, "EMA decay must be in [0, 1], got ", decay);
    at::NoGradGuard no_grad;
    for (int64_t i = 0; i < count; ++i) {
      auto& s = *shadows[i];
      const auto& p = ref(params[i]);
      TORCH_CHECK(s.sizes() == p.sizes(), "EMA shadow ", i, " has shape ", s.sizes(), " but its parameter has ", p.sizes());
      s.lerp_(p.to(s.scalar_type()), 1.0 - decay);
    }
  });
}
