// Shared by the shim's fused CPU kernels (linear_gelu.cpp, add_layer_norm.cpp): which calls take
// the fused path, eight-lane float vectors through GCC's vector extensions (one AVX register in an
// AVX2 clone, two SSE registers in a baseline one) with exp and erf on them, and row-parallel loops
// whose column sums do not depend on the thread count.
#pragma once
#include "aigc_common.h"
#include "cpu_clones.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <vector>

// The helpers are always inlined into each clone, so GCC's note that passing 32-byte vectors by
// value has an ISA-dependent ABI never applies.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace aigc::fused {

// True when every tensor is defined, on the CPU and of one dtype, float32 or float64.
inline bool on_cpu(std::initializer_list<at::Tensor> ts) {
  at::ScalarType dtype = ts.begin()->scalar_type();
  if (dtype != at::kFloat && dtype != at::kDouble) return false;
  for (const auto& t : ts)
    if (!t.defined() || !t.device().is_cpu() || t.scalar_type() != dtype) return false;
  return true;
}

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

__attribute__((always_inline)) inline v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

__attribute__((always_inline)) inline void store8(float* p, v8f v) { std::memcpy(p, &v, sizeof v); }

// The first n (1..8) floats at p, zero-padded; and the first n lanes of v stored at p.
__attribute__((always_inline)) inline v8f load_n(const float* p, int64_t n) {
  if (n == 8) return load8(p);
  float buf[8] = {};
  std::memcpy(buf, p, n * sizeof(float));
  return load8(buf);
}

__attribute__((always_inline)) inline void store_n(float* p, v8f v, int64_t n) {
  if (n == 8) return store8(p, v);
  float buf[8];
  store8(buf, v);
  std::memcpy(p, buf, n * sizeof(float));
}

// The sum of the eight lanes, in double.
__attribute__((always_inline)) inline double sum_lanes(v8f v) {
  double s = 0;
  for (int k = 0; k < 8; ++k) s += v[k];
  return s;
}

// e^x for x <= 0 (all these kernels need): x = n ln2 + r with |r| <= ln2/2, e^r by Cephes' degree-6
// polynomial, 2^n put into the exponent bits. Arguments below -87, where 2^n would leave the normal
// floats, are raised to -87 (e^-87 ~ 1.6e-38: zero for every use here); written as x > lo ? x : lo
// so it compiles to one max instruction.
__attribute__((always_inline)) inline v8f exp8(v8f x) {
  const v8f lo = v8f{} - 87.0f;
  x = x > lo ? x : lo;
  // Adding 1.5 * 2^23 rounds x log2(e) to the nearest integer, which lands in the low mantissa bits.
  const v8f magic = v8f{} + 12582912.0f;
  v8f shifted = x * 1.44269504088896341f + magic;
  v8f n = shifted - magic;
  v8i ni = (v8i)shifted - (v8i)magic;
  v8f r = x - n * 0.693359375f;  // ln2 split in two so n ln2 is subtracted without rounding loss
  r = r - n * -2.12194440e-4f;
  v8f p = v8f{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  return p * (v8f)((ni + 127) << 23);
}

// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7, under a float's resolution of
// values near 1), the form ATen's vectorised float erf also takes; also returns the e^(-x²) it
// computes, which the GELU slope needs too.
__attribute__((always_inline)) inline v8f erf8(v8f x, v8f* gauss = nullptr) {
  v8i sign = (v8i)x & static_cast<int32_t>(0x80000000u);
  v8f a = (v8f)((v8i)x & 0x7fffffff);
  v8f t = 1.0f / (1.0f + 0.3275911f * a);
  v8f poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
  v8f e = exp8(-a * a);
  if (gauss) *gauss = e;
  v8f y = 1.0f - poly * e;
  return (v8f)((v8i)y | sign);
}

// Threads take whole rows (threads splitting every row would both fault in each fresh output page);
// column sums (bias, γ and β gradients) are summed per fixed block of rows and the blocks added in
// order, so results are the same for any thread count.
constexpr int64_t kRowBlock = 32;

inline int64_t row_blocks(int64_t rows) { return (rows + kRowBlock - 1) / kRowBlock; }

// Runs f(block, first row, end row) over the blocks of kRowBlock rows, in parallel.
template <typename F>
void over_row_blocks(int64_t rows, int64_t cols, F f) {
  int64_t grain = std::max<int64_t>(1, 32768 / (kRowBlock * std::max<int64_t>(1, cols)));
  at::parallel_for(0, row_blocks(rows), grain, [&](int64_t b0, int64_t b1) {
    for (int64_t k = b0; k < b1; ++k) f(k, k * kRowBlock, std::min(rows, (k + 1) * kRowBlock));
  });
}

// Column sums of per-block partials (blocks x cols), added in block order, written to out as T.
template <typename T>
void sum_blocks(const std::vector<double>& parts, int64_t cols, T* out) {
  std::vector<double> total(cols, 0.0);
  for (size_t k = 0; k < parts.size() / cols; ++k)
    for (int64_t j = 0; j < cols; ++j) total[j] += parts[k * cols + j];
  for (int64_t j = 0; j < cols; ++j) out[j] = static_cast<T>(total[j]);
}

}  // namespace aigc::fused
