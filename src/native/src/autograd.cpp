// Reverse-mode differentiation: backward, gradient access and reset.
#include "aigc_common.h"

using aigc::guard;
using aigc::ref;
using aigc::wrap;

AIGC_API int32_t Autograd_backward(TensorH t, TensorH grad, int32_t retain_graph,
                                   int32_t create_graph) {
  return guard([&] {
    ref(t).backward(aigc::opt(grad), retain_graph != 0, create_graph != 0);
  });
}

// *out is NULL when the tensor has no gradient yet.
AIGC_API int32_t Autograd_grad(TensorH t, TensorH* out) {
  return guard([&] {
    const auto& g = ref(t).grad();
    *out = g.defined() ? wrap(g) : nullptr;
  });
}

// Resets the gradients of many tensors in one call: set_to_none drops them (the next backward
// allocates fresh ones), otherwise they are zeroed in place.
AIGC_API int32_t Autograd_zero_grad(const TensorH* tensors, int64_t count, int32_t set_to_none) {
  return guard([&] {
    for (int64_t i = 0; i < count; ++i) {
      auto& g = ref(tensors[i]).mutable_grad();
      if (!g.defined()) continue;
      if (set_to_none) {
        g.reset();
      } else {
        g.detach_();
        g.zero_();
      }
    }
  });
}
