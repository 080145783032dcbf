// A residual add followed by LayerNorm as one autograd node for CPU training, where libtorch runs
// them op by op: each row is summed, normalised and written in one visit, and the residual stream's
// gradient from its other uses is added inside the LayerNorm backward pass. Other devices, dtypes and
// broadcasting shapes take add + layer_norm, so their results are torch's own.
#include "fused_cpu.h"

#include <torch/csrc/autograd/custom_function.h>

#include <cmath>

using aigc::guard;
using aigc::opt;
using aigc::pick_clone;
using aigc::ref;
using aigc::wrap;
using namespace aigc::fused;

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

template <typename T>
struct AddNorm {
  const T* x;
  const T* d;
  const T* w;  // null: no scale
  const T* b;  // null: no shift
  T* h;        // x + d
  T* y;        // LayerNorm(h)
  T* mean;     // per row
  T* rstd;     // per row: 1 / sqrt(var + eps), with the biased variance, as torch's
  int64_t rows, cols;
  double eps;
};

template <typename T>
struct AddNormGrad {
  const T* h;
  const T* w;       // null: no scale
  const T* mean;
  const T* rstd;
  const T* dy;      // gradient of the normalised output, null when it has none
  const T* dh_out;  // gradient of the sum from its other uses, null when it has none
  T* dh;            // gradient of the sum: the gradient of both x and d
  int64_t rows, cols;
};

// ---- float32, eight lanes at a time. Padded lanes of a ragged last vector load as 0; they are
// masked out of the variance and contribute 0 everywhere else. ----
__attribute__((always_inline)) inline void add_norm_f32(const AddNorm<float>& a, int64_t r0, int64_t r1) {
  const int64_t C = a.cols;
  const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
  for (int64_t r = r0; r < r1; ++r) {
    const float *x = a.x + r * C, *d = a.d + r * C;
    float *h = a.h + r * C, *y = a.y + r * C;
    v8f sum{};
    for (int64_t c = 0; c < C; c += 8) {
      int64_t n = std::min<int64_t>(8, C - c);
      v8f v = load_n(x + c, n) + load_n(d + c, n);
      store_n(h + c, v, n);
      sum += v;
    }
    float mean = static_cast<float>(sum_lanes(sum) / C);
    v8f squares{};
    for (int64_t c = 0; c < C; c += 8) {
      int64_t n = std::min<int64_t>(8, C - c);
      v8f dev = load_n(h + c, n) - mean;
      dev = lane < static_cast<int32_t>(n) ? dev : v8f{};
      squares += dev * dev;
    }
    float rstd = static_cast<float>(1.0 / std::sqrt(sum_lanes(squares) / C + a.eps));
    a.mean[r] = mean;
    a.rstd[r] = rstd;
    for (int64_t c = 0; c < C; c += 8) {
      int64_t n = std::min<int64_t>(8, C - c);
      v8f v = (load_n(h + c, n) - mean) * rstd;
      if (a.w) v *= load_n(a.w + c, n);
      if (a.b) v += load_n(a.b + c, n);
      store_n(y + c, v, n);
    }
  }
}

// dh = rstd (g - mean(g) - x̂ mean(g x̂)) + dh_out with g = dy γ; the block's γ and β gradients
// (sums of dy x̂ and dy) go to dw and db (C doubles each).
__attribute__((always_inline)) inline void add_norm_grad_f32(const AddNormGrad<float>& a, int64_t r0, int64_t r1, double* dw, double* db) {
  const int64_t C = a.cols;
  std::vector<float> dw_part(C + 8, 0.0f), db_part(C + 8, 0.0f);
  for (int64_t r = r0; r < r1; ++r) {
    const float* h = a.h + r * C;
    float* dh = a.dh + r * C;
    const float mean = a.mean[r], rstd = a.rstd[r];
    if (!a.dy) {
      for (int64_t j = 0; j < C; ++j) dh[j] = a.dh_out ? a.dh_out[r * C + j] : 0.0f;
      continue;
    }
    const float* dy = a.dy + r * C;
    v8f sum_g{}, sum_gx{};
    for (int64_t c = 0; c < C; c += 8) {
      int64_t n = std::min<int64_t>(8, C - c);
      v8f g = load_n(dy + c, n);
      v8f xhat = (load_n(h + c, n) - mean) * rstd;
      store8(dw_part.data() + c, load8(dw_part.data() + c) + g * xhat);
      store8(db_part.data() + c, load8(db_part.data() + c) + g);
      if (a.w) g *= load_n(a.w + c, n);
      sum_g += g;
      sum_gx += g * xhat;
    }
    const float mean_g = static_cast<float>(sum_lanes(sum_g) / C), mean_gx = static_cast<float>(sum_lanes(sum_gx) / C);
    for (int64_t c = 0; c < C; c += 8) {
      int64_t n = std::min<int64_t>(8, C - c);
      v8f g = load_n(dy + c, n);
      if (a.w) g *= load_n(a.w + c, n);
      v8f xhat = (load_n(h + c, n) - mean) * rstd;
      v8f v = rstd * (g - mean_g - xhat * mean_gx);
      if (a.dh_out) v += load_n(a.dh_out + r * C + c, n);
      store_n(dh + c, v, n);
    }
  }
  for (int64_t j = 0; j < C; ++j) {
    dw[j] = dw_part[j];
    db[j] = db_part[j];
  }
}

void add_norm_f32_baseline(const AddNorm<float>& a, int64_t r0, int64_t r1) { add_norm_f32(a, r0, r1); }
AIGC_AVX2 void add_norm_f32_avx2(const AddNorm<float>& a, int64_t r0, int64_t r1) { add_norm_f32(a, r0, r1); }
void add_norm_grad_f32_baseline(const AddNormGrad<float>& a, int64_t r0, int64_t r1, double* dw, double* db) { add_norm_grad_f32(a, r0, r1, dw, db); }
AIGC_AVX2 void add_norm_grad_f32_avx2(const AddNormGrad<float>& a, int64_t r0, int64_t r1, double* dw, double* db) { add_norm_grad_f32(a, r0, r1, dw, db); }

// ---- float64 (tests, float64 models): plain scalar code. ----
void add_norm_f64(const AddNorm<double>& a, int64_t r0, int64_t r1) {
  const int64_t C = a.cols;
  for (int64_t r = r0; r < r1; ++r) {
    const double *x = a.x + r * C, *d = a.d + r * C;
    double *h = a.h + r * C, *y = a.y + r * C;
    double sum = 0, squares = 0;
    for (int64_t j = 0; j < C; ++j) sum += h[j] = x[j] + d[j];
    const double mean = sum / C;
    for (int64_t j = 0; j < C; ++j) squares += (h[j] - mean) * (h[j] - mean);
    const double rstd = 1.0 / std::sqrt(squares / C + a.eps);
    a.mean[r] = mean;
    a.rstd[r] = rstd;
    for (int64_t j = 0; j < C; ++j) y[j] = (h[j] - mean) * rstd * (a.w ? a.w[j] : 1.0) + (a.b ? a.b[j] : 0.0);
  }
}

void add_norm_grad_f64(const AddNormGrad<double>& a, int64_t r0, int64_t r1, double* dw, double* db) {
  const int64_t C = a.cols;
  for (int64_t r = r0; r < r1; ++r) {
    const double *h = a.h + r * C, *dy = a.dy ? a.dy + r * C : nullptr, *dh_out = a.dh_out ? a.dh_out + r * C : nullptr;
    const double mean = a.mean[r], rstd = a.rstd[r];
    double sum_g = 0, sum_gx = 0;
    for (int64_t j = 0; dy && j < C; ++j) {
      double xhat = (h[j] - mean) * rstd, g = dy[j] * (a.w ? a.w[j] : 1.0);
      dw[j] += dy[j] * xhat;
      db[j] += dy[j];
      sum_g += g;
      sum_gx += g * xhat;
    }
    for (int64_t j = 0; j < C; ++j) {
      double xhat = (h[j] - mean) * rstd, g = dy ? dy[j] * (a.w ? a.w[j] : 1.0) : 0.0;
      double v = dy ? rstd * (g - sum_g / C - xhat * sum_gx / C) : 0.0;
      a.dh[r * C + j] = dh_out ? v + dh_out[j] : v;
    }
  }
}

// Undefined and empty tensors (an absent γ or β, a missing gradient) both read as null.
template <typename T>
const T* ptr_or_null(const at::Tensor& t) { return t.defined() && t.numel() > 0 ? t.data_ptr<T>() : nullptr; }

template <typename T, typename F>
void add_norm_forward(const at::Tensor& x, const at::Tensor& d, const at::Tensor& w, const at::Tensor& b, double eps,
                      at::Tensor& h, at::Tensor& y, at::Tensor& mean, at::Tensor& rstd, F kernel) {
  int64_t C = x.size(-1), N = x.numel() / C;
  AddNorm<T> a{x.data_ptr<T>(), d.data_ptr<T>(), ptr_or_null<T>(w), ptr_or_null<T>(b), h.data_ptr<T>(),
               y.data_ptr<T>(), mean.data_ptr<T>(), rstd.data_ptr<T>(), N, C, eps};
  over_row_blocks(N, C, [&](int64_t, int64_t r0, int64_t r1) { kernel(a, r0, r1); });
}

template <typename T, typename F>
void add_norm_backward(const at::Tensor& h, const at::Tensor& w, const at::Tensor& mean, const at::Tensor& rstd,
                       const at::Tensor& dy, const at::Tensor& dh_out, at::Tensor& dh, at::Tensor& dw, at::Tensor& db,
                       F kernel) {
  int64_t C = h.size(-1), N = h.numel() / C;
  std::vector<double> dw_parts(row_blocks(N) * C, 0.0), db_parts(row_blocks(N) * C, 0.0);
  AddNormGrad<T> a{h.data_ptr<T>(), ptr_or_null<T>(w), mean.data_ptr<T>(), rstd.data_ptr<T>(), ptr_or_null<T>(dy),
                   ptr_or_null<T>(dh_out), dh.data_ptr<T>(), N, C};
  over_row_blocks(N, C, [&](int64_t k, int64_t r0, int64_t r1) {
    kernel(a, r0, r1, dw_parts.data() + k * C, db_parts.data() + k * C);
  });
  if (dw.defined()) sum_blocks(dw_parts, C, dw.data_ptr<T>());
  if (db.defined()) sum_blocks(db_parts, C, db.data_ptr<T>());
}

// (x + d, LayerNorm(x + d)) with the statistics over the last dimension; an absent γ or β arrives as
// an empty tensor (libtorch's custom functions take no undefined inputs).
struct AddLayerNorm : public torch::autograd::Function<AddLayerNorm> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& d, const at::Tensor& w,
                               const at::Tensor& b, double eps) {
    at::Tensor xc = x.contiguous(), dc = d.contiguous();
    at::Tensor h = at::empty_like(xc), y = at::empty_like(xc);
    int64_t rows = x.numel() / x.size(-1);
    at::Tensor mean = at::empty({rows}, x.options()), rstd = at::empty({rows}, x.options());
    if (x.scalar_type() == at::kFloat)
      add_norm_forward<float>(xc, dc, w, b, eps, h, y, mean, rstd, pick_clone(&add_norm_f32_baseline, &add_norm_f32_avx2));
    else
      add_norm_forward<double>(xc, dc, w, b, eps, h, y, mean, rstd, &add_norm_f64);
    ctx->save_for_backward({h, w, mean, rstd});
    ctx->saved_data["bias"] = b.numel() > 0;
    return {h, y};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &h = saved[0], &w = saved[1], &mean = saved[2], &rstd = saved[3];
    at::Tensor dh_out = grads[0].defined() ? grads[0].contiguous() : at::Tensor();
    at::Tensor dy = grads[1].defined() ? grads[1].contiguous() : at::Tensor();
    at::Tensor dh = at::empty_like(h);
    at::Tensor dw = w.numel() > 0 ? at::empty_like(w) : at::Tensor();
    at::Tensor db = ctx->saved_data["bias"].toBool() ? at::empty({h.size(-1)}, h.options()) : at::Tensor();
    if (h.scalar_type() == at::kFloat)
      add_norm_backward<float>(h, w, mean, rstd, dy, dh_out, dh, dw, db, pick_clone(&add_norm_grad_f32_baseline, &add_norm_grad_f32_avx2));
    else
      add_norm_backward<double>(h, w, mean, rstd, dy, dh_out, dh, dw, db, &add_norm_grad_f64);
    return {dh, dh, dw, db, at::Tensor()};
  }
};

}  // namespace

// (x + d, LayerNorm(x + d)) over the last dimension; w and b (last dimension's size) may be null.
AIGC_API int32_t Nn_add_layer_norm(TensorH x, TensorH d, TensorH w, TensorH b, double eps, TensorH* sum, TensorH* normed) {
  return guard([&] {
    const auto &X = ref(x), &D = ref(d);
    at::Tensor W = opt(w), B = opt(b);
    bool fused = on_cpu({X, D}) && X.sizes() == D.sizes() && X.dim() >= 1 && X.numel() > 0;
    for (const auto& p : {W, B})
      if (p.defined()) fused = fused && on_cpu({X, p}) && p.dim() == 1 && p.size(0) == X.size(-1);
    if (fused) {
      auto present = [&](const at::Tensor& p) { return p.defined() ? p.contiguous() : at::empty({0}, X.options()); };
      auto outs = AddLayerNorm::apply(X, D, present(W), present(B), eps);
      *sum = wrap(outs[0]);
      *normed = wrap(outs[1]);
    } else {
      at::Tensor h = X + D;
      *sum = wrap(h);
      *normed = wrap(at::layer_norm(h, {h.size(-1)}, W, B, eps));
    }
  });
}
