// Neural-network kernels: convolutions, pooling, resampling, normalisation, embedding,
// dropout, recurrent layers and losses (attention: attention.cpp). Parameters are passed in; modules live in C#.
#include "aigc_common.h"

#include <torch/version.h>

#include <cmath>

using aigc::guard;
using aigc::opt;
using aigc::ref;
using aigc::wrap;

namespace {
at::IntArrayRef pair(const int64_t* p) { return aigc::dims(p, 2); }

// Reduction codes match torch: 0 none, 1 mean, 2 sum.
int64_t reduction(int32_t r) {
  TORCH_CHECK(r >= 0 && r <= 2, "unknown reduction ", r);
  return r;
}
}  // namespace

AIGC_API int32_t Nn_conv2d(TensorH x, TensorH w, TensorH b, const int64_t* stride,
                           const int64_t* padding, const int64_t* dilation, int64_t groups,
                           TensorH* out) {
  return guard([&] {
    *out = wrap(at::conv2d(ref(x), ref(w), opt(b), pair(stride), pair(padding), pair(dilation), groups));
  });
}

AIGC_API int32_t Nn_conv_transpose2d(TensorH x, TensorH w, TensorH b, const int64_t* stride,
                                     const int64_t* padding, const int64_t* output_padding,
                                     const int64_t* dilation, int64_t groups, TensorH* out) {
  return guard([&] {
    *out = wrap(at::conv_transpose2d(ref(x), ref(w), opt(b), pair(stride), pair(padding),
                                     pair(output_padding), groups, pair(dilation)));
  });
}

AIGC_API int32_t Nn_max_pool2d(TensorH x, const int64_t* kernel, const int64_t* stride,
                               const int64_t* padding, const int64_t* dilation, int32_t ceil_mode,
                               TensorH* out) {
  return guard([&] {
    *out = wrap(at::max_pool2d(ref(x), pair(kernel), pair(stride), pair(padding), pair(dilation),
                               ceil_mode != 0));
  });
}

AIGC_API int32_t Nn_avg_pool2d(TensorH x, const int64_t* kernel, const int64_t* stride,
                               const int64_t* padding, int32_t ceil_mode, int32_t count_include_pad,
                               TensorH* out) {
  return guard([&] {
    *out = wrap(at::avg_pool2d(ref(x), pair(kernel), pair(stride), pair(padding), ceil_mode != 0,
                               count_include_pad != 0, c10::nullopt));
  });
}

// mode: 0 nearest, 1 bilinear. Input (N, C, H, W) -> (N, C, out_h, out_w).
AIGC_API int32_t Nn_interpolate(TensorH x, int64_t out_h, int64_t out_w, int32_t mode,
                                int32_t align_corners, TensorH* out) {
  return guard([&] {
    const auto& t = ref(x);
    TORCH_CHECK(t.dim() == 4, "interpolate expects a 4-D (N, C, H, W) input, got ", t.dim(), "-D");
    std::vector<int64_t> size{out_h, out_w};
    switch (mode) {
      case 0: *out = wrap(at::upsample_nearest2d(t, size, c10::nullopt, c10::nullopt)); break;
      case 1:
        *out = wrap(at::upsample_bilinear2d(t, size, align_corners != 0, c10::nullopt, c10::nullopt));
        break;
      default: TORCH_CHECK(false, "unknown interpolation mode ", mode);
    }
  });
}

AIGC_API int32_t Nn_batch_norm(TensorH x, TensorH w, TensorH b, TensorH running_mean,
                               TensorH running_var, int32_t training, double momentum, double eps,
                               TensorH* out) {
  return guard([&] {
    *out = wrap(at::batch_norm(ref(x), opt(w), opt(b), opt(running_mean), opt(running_var),
                               training != 0, momentum, eps, true));
  });
}

AIGC_API int32_t Nn_group_norm(TensorH x, int64_t groups, TensorH w, TensorH b, double eps,
                               TensorH* out) {
  return guard([&] { *out = wrap(at::group_norm(ref(x), groups, opt(w), opt(b), eps, true)); });
}

AIGC_API int32_t Nn_layer_norm(TensorH x, const int64_t* shape, int64_t ndim, TensorH w, TensorH b,
                               double eps, TensorH* out) {
  return guard([&] {
    *out = wrap(at::layer_norm(ref(x), aigc::dims(shape, ndim), opt(w), opt(b), eps, true));
  });
}

AIGC_API int32_t Nn_embedding(TensorH weight, TensorH indices, int64_t padding_idx, TensorH* out) {
  return guard([&] { *out = wrap(at::embedding(ref(weight), ref(indices), padding_idx, false, false)); });
}

AIGC_API int32_t Nn_dropout(TensorH x, double p, int32_t training, TensorH* out) {
  return guard([&] {
    TORCH_CHECK(p >= 0.0 && p <= 1.0, "dropout probability must be in [0, 1], got ", p);
    *out = wrap(at::dropout(ref(x), p, training != 0));
  });
}

// A stacked unidirectional LSTM over batch-first input (B, T, I). params holds, per layer,
// w_ih (4H, I), w_hh (4H, H), b_ih (4H), b_hh (4H) in torch's gate order (i, f, g, o); h0 and c0
// are (layers, B, H) or null for zeros. Returns the top layer's outputs (B, T, H) and the final
// states. Autograd flows through all of them.
AIGC_API int32_t Nn_lstm(TensorH x, TensorH h0, TensorH c0, const TensorH* params, int64_t count,
                         int64_t layers, double dropout, int32_t training, TensorH* out,
                         TensorH* h_n, TensorH* c_n) {
  return guard([&] {
    TORCH_CHECK(layers >= 1 && count == 4 * layers, "an LSTM of ", layers, " layers needs ",
                4 * layers, " parameter tensors, got ", count);
    const auto& X = ref(x);
    TORCH_CHECK(X.dim() == 3, "LSTM input must be (batch, time, features), got ", X.sizes());
    std::vector<at::Tensor> weights;
    weights.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) weights.push_back(ref(params[i]));
    int64_t hidden = weights[1].size(1);
    auto zeros = [&] { return at::zeros({layers, X.size(0), hidden}, X.options()); };
    at::Tensor h = h0 ? ref(h0) : zeros();
    at::Tensor c = c0 ? ref(c0) : zeros();
    auto result = at::lstm(X, {h, c}, weights, /*has_biases=*/true, layers, dropout, training != 0,
                           /*bidirectional=*/false, /*batch_first=*/true);
    *out = wrap(std::get<0>(result));
    *h_n = wrap(std::get<1>(result));
    *c_n = wrap(std::get<2>(result));
  });
}

// kind: 0 mse, 1 l1.
AIGC_API int32_t Nn_regression_loss(TensorH input, TensorH target, int32_t kind, int32_t red,
                                    TensorH* out) {
  return guard([&] {
    auto r = reduction(red);
    *out = wrap(kind == 0 ? at::mse_loss(ref(input), ref(target), r) : at::l1_loss(ref(input), ref(target), r));
  });
}

AIGC_API int32_t Nn_binary_cross_entropy(TensorH input, TensorH target, TensorH weight, int32_t red,
                                         TensorH* out) {
  return guard([&] {
    *out = wrap(at::binary_cross_entropy(ref(input), ref(target), opt(weight), reduction(red)));
  });
}

AIGC_API int32_t Nn_binary_cross_entropy_with_logits(TensorH input, TensorH target, TensorH weight,
                                                     TensorH pos_weight, int32_t red, TensorH* out) {
  return guard([&] {
    *out = wrap(at::binary_cross_entropy_with_logits(ref(input), ref(target), opt(weight),
                                                     opt(pos_weight), reduction(red)));
  });
}

// input (N, C) or (N, C, d...) logits; target class indices (N) or (N, d...).
AIGC_API int32_t Nn_cross_entropy(TensorH input, TensorH target, TensorH weight, int32_t red,
                                  int64_t ignore_index, double label_smoothing, TensorH* out) {
  return guard([&] {
    *out = wrap(at::cross_entropy_loss(ref(input), ref(target), opt(weight), reduction(red),
                                       ignore_index, label_smoothing));
  });
}

AIGC_API int32_t Nn_nll_loss(TensorH input, TensorH target, TensorH weight, int32_t red,
                             int64_t ignore_index, TensorH* out) {
  return guard([&] {
    *out = wrap(at::nll_loss(ref(input), ref(target), opt(weight), reduction(red), ignore_index));
  });
}
