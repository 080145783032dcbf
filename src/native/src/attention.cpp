// Scaled dot-product attention. libtorch 2.x has a fused kernel; on 1.13 the attention weights are
// one autograd node of our own, so the scale, the causal mask and the softmax run in place on the
// score buffer (no copies for the scaled and the masked scores, no mask gradient) and the backward
// pass is one softmax backward, scaled, feeding the two matmul gradients.
#include "aigc_common.h"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/version.h>

#include <cmath>
#include <limits>

using aigc::guard;
using aigc::opt;
using aigc::ref;
using aigc::wrap;

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// softmax(scale · q kᵀ) over keys, with query i seeing keys j ≤ i when causal (top-left aligned, as
// torch's is_causal). No row is fully masked: every query sees key 0.
struct AttentionWeights : public torch::autograd::Function<AttentionWeights> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& q, const at::Tensor& k, double scale, bool causal) {
    at::Tensor scores = at::matmul(q, k.transpose(-2, -1));
    scores.mul_(scale);
    if (causal) {
      int64_t L = q.size(-2), S = k.size(-2);
      scores.masked_fill_(at::ones({L, S}, q.options().dtype(at::kBool)).triu_(1),
                          -std::numeric_limits<double>::infinity());
    }
    at::Tensor p = at::_softmax(scores, -1, false);
    ctx->save_for_backward({q, k, p});
    ctx->saved_data["scale"] = scale;
    return p;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &q = saved[0], &k = saved[1], &p = saved[2];
    // Masked weights are exactly 0, so their score gradients are 0 without a mask.
    at::Tensor ds = at::_softmax_backward_data(grads[0], p, -1, p.scalar_type());
    ds.mul_(ctx->saved_data["scale"].toDouble());
    return {at::matmul(ds, k), at::matmul(ds.transpose(-2, -1), q), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

// softmax(q kᵀ / sqrt(d) + mask) v over (..., L, d) inputs; mask is boolean (true = attend) or
// additive, or null.
AIGC_API int32_t Nn_scaled_dot_product_attention(TensorH q, TensorH k, TensorH v, TensorH mask,
                                                 double dropout_p, int32_t is_causal, TensorH* out) {
  return guard([&] {
    const auto &Q = ref(q), &K = ref(k), &V = ref(v);
#if TORCH_VERSION_MAJOR >= 2
    *out = wrap(at::scaled_dot_product_attention(Q, K, V, opt(mask), dropout_p, is_causal != 0));
#else
    double scale = 1.0 / std::sqrt(static_cast<double>(Q.size(-1)));
    at::Tensor attn;
    if (!mask) {
      attn = AttentionWeights::apply(Q, K, scale, is_causal != 0);
    } else {
      // An explicit mask (padding, cached prefixes) takes the plain path.
      auto scores = at::matmul(Q, K.transpose(-2, -1)) * scale;
      if (is_causal) {
        int64_t L = Q.size(-2), S = K.size(-2);
        scores = scores.masked_fill(at::ones({L, S}, Q.options().dtype(at::kBool)).triu(1),
                                    -std::numeric_limits<double>::infinity());
      }
      const auto& m = *mask;
      scores = m.scalar_type() == at::kBool
                   ? scores.masked_fill(m.logical_not(), -std::numeric_limits<double>::infinity())
                   : scores + m;
      attn = at::softmax(scores, -1);
    }
    if (dropout_p > 0.0) attn = at::dropout(attn, dropout_p, true);
    *out = wrap(at::matmul(attn, V));
#endif
  });
}
