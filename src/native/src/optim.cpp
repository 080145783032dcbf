// Optimiser updates, fused per parameter group so a whole step is one call from C#. The math
// follows torch.optim's single-tensor implementations operation for operation, so results match.
#include "aigc_common.h"

#include <cmath>

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
      if (weight_decay != 0) {
        if (decoupled) p.mul_(1 - lr * weight_decay);
        else g = g.add(p, weight_decay);
      }
      auto& m = ref(exp_avgs[i]);
      auto& v = ref(exp_avg_sqs[i]);
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
    std::vector<at::Tensor> norms;
    norms.reserve(grads.size());
    for (const auto& g : grads) norms.push_back(at::linalg_vector_norm(g, norm_type, c10::nullopt, false, c10::nullopt));
    auto total = at::linalg_vector_norm(at::stack(norms), norm_type, c10::nullopt, false, c10::nullopt);
    auto coef = at::clamp(max_norm / (total + 1e-6), c10::nullopt, 1.0);
    for (auto& g : grads) g.mul_(coef);
    *total_norm_out = total.item<double>();
  });
}
