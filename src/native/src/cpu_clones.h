// Instruction-set clones of hot CPU loops. The shim is built for the baseline x86-64 ISA (SSE2) so
// it loads on any x86-64 CPU; a loop written once as an always-inline body gets a baseline clone and
// an AVX2 clone, and the AVX2 one is picked at run time where the CPU has it.
#pragma once

// Marks the AVX2 clone of a loop; elsewhere than x86-64 that clone is just another baseline copy.
// No FMA in the clones: contracted multiply-adds would change rounding against torch's op sequences.
// Loops whose results only need to match torch to a tolerance (their own approximations of erf
// and exp) take an AVX2 + FMA clone instead, where GCC contracts the multiply-adds.
#if defined(__x86_64__)
#define AIGC_AVX2 __attribute__((target("avx2")))
#define AIGC_AVX2_FMA __attribute__((target("avx2,fma")))
#else
#define AIGC_AVX2
#define AIGC_AVX2_FMA
#endif

namespace aigc {

// The AVX2 clone where the CPU has AVX2, else the baseline one.
template <typename F>
F pick_clone(F baseline, [[maybe_unused]] F avx2) {
#if defined(__x86_64__)
  static const bool has_avx2 = __builtin_cpu_supports("avx2");
  if (has_avx2) return avx2;
#endif
  return baseline;
}

// The AVX2 + FMA clone where the CPU has both, else the baseline one.
template <typename F>
F pick_fma_clone(F baseline, [[maybe_unused]] F avx2_fma) {
#if defined(__x86_64__)
  static const bool has_both = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (has_both) return avx2_fma;
#endif
  return baseline;
}

}  // namespace aigc
