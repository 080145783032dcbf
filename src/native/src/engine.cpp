// Process-wide engine settings: ABI version, threads, seeds, CUDA queries, grad mode, autocast.
#include "aigc_common.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <dlfcn.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <cstring>
#include <malloc.h>

// Bump when any export's signature or meaning changes; C# refuses a mismatched shim.
constexpr int32_t kAbiVersion = 4;

#define AIGC_TORCH_AT_LEAST(maj, min) \
  (TORCH_VERSION_MAJOR > (maj) || (TORCH_VERSION_MAJOR == (maj) && TORCH_VERSION_MINOR >= (min)))

AIGC_API int32_t Engine_abi_version() { return kAbiVersion; }

// Copies the libtorch version the shim was compiled against into buf (NUL-terminated).
AIGC_API int32_t Engine_torch_version(char* buf, int32_t capacity) {
  return aigc::guard([&] {
    TORCH_CHECK(buf && capacity > 0, "empty buffer");
    std::strncpy(buf, TORCH_VERSION, static_cast<size_t>(capacity) - 1);
    buf[capacity - 1] = '\0';
  });
}

AIGC_API int32_t Engine_set_num_threads(int32_t n) {
  return aigc::guard([&] {
    TORCH_CHECK(n > 0, "thread count must be positive, got ", n);
    at::set_num_threads(n);
  });
}

AIGC_API int32_t Engine_get_num_threads(int32_t* out) {
  return aigc::guard([&] { *out = at::get_num_threads(); });
}

// OpenBLAS starts its own pool (one thread per core) on top of libtorch's OpenMP threads; the
// two oversubscribe the cores. Found at run time because the BLAS behind libblas.so.3 varies.
AIGC_API int32_t Engine_set_blas_threads(int32_t n, int32_t* applied) {
  return aigc::guard([&] {
    TORCH_CHECK(n > 0, "BLAS thread count must be positive, got ", n);
    using SetThreads = void (*)(int);
    auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    *applied = fn ? 1 : 0;
    if (fn) fn(n);
  });
}

// How the OpenBLAS behind libblas.so.3 runs its threads: -1 not OpenBLAS, 0 sequential, 1 its own
// pthreads pool, 2 OpenMP (it then shares libtorch's OpenMP pool instead of competing with it).
AIGC_API int32_t Engine_blas_threading(int32_t* kind) {
  return aigc::guard([&] {
    using GetParallel = int (*)();
    auto fn = reinterpret_cast<GetParallel>(dlsym(RTLD_DEFAULT, "openblas_get_parallel"));
    *kind = fn ? fn() : -1;
  });
}

// glibc hands blocks above a (dynamic) threshold straight back to the OS with munmap, so every
// training step page-faults its large activations in again; measured on a conv net at batch 256
// that cost 2-3x. Keeping freed memory in the heap (as PyTorch's CUDA caching allocator does on
// the GPU) trades a higher resident size for stable, fast steps. Returns 1 when applied.
AIGC_API int32_t Engine_tune_malloc(int64_t mmap_threshold, int64_t trim_threshold, int32_t* applied) {
  return aigc::guard([&] {
    TORCH_CHECK(mmap_threshold > 0 && trim_threshold > 0, "malloc thresholds must be positive");
    int ok = mallopt(M_MMAP_THRESHOLD, static_cast<int>(std::min<int64_t>(mmap_threshold, INT32_MAX)));
    ok &= mallopt(M_TRIM_THRESHOLD, static_cast<int>(std::min<int64_t>(trim_threshold, INT32_MAX)));
    *applied = ok ? 1 : 0;
  });
}

// Seeds the CPU generator and, when present, every CUDA generator.
AIGC_API int32_t Engine_manual_seed(uint64_t seed) {
  return aigc::guard([&] { at::manual_seed(seed); });
}

// The CPU generator's full state as a UInt8 tensor, so a checkpoint can resume the exact random
// stream (dropout masks, sampling) and a resumed run matches an uninterrupted one bit for bit.
AIGC_API int32_t Engine_get_rng_state(TensorH* out) {
  return aigc::guard([&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    *out = aigc::wrap(gen.get_state());
  });
}

AIGC_API int32_t Engine_set_rng_state(TensorH state) {
  return aigc::guard([&] {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(aigc::ref(state));
  });
}

AIGC_API int32_t Engine_cuda_device_count(int32_t* out) {
  return aigc::guard([&] { *out = static_cast<int32_t>(torch::cuda::device_count()); });
}

AIGC_API int32_t Engine_cuda_synchronize(int32_t device) {
  return aigc::guard([&] {
    TORCH_CHECK(torch::cuda::is_available(), "CUDA is not available");
    torch::cuda::synchronize(device);
  });
}

AIGC_API int32_t Engine_set_tf32(int32_t enabled) {
  return aigc::guard([&] {
    at::globalContext().setAllowTF32CuBLAS(enabled != 0);
    at::globalContext().setAllowTF32CuDNN(enabled != 0);
  });
}

AIGC_API int32_t Engine_is_grad_enabled(int32_t* out) {
  return aigc::guard([&] { *out = c10::GradMode::is_enabled() ? 1 : 0; });
}

AIGC_API int32_t Engine_set_grad_enabled(int32_t enabled, int32_t* previous) {
  return aigc::guard([&] {
    *previous = c10::GradMode::is_enabled() ? 1 : 0;
    c10::GradMode::set_enabled(enabled != 0);
  });
}

// Inference mode is an RAII guard in libtorch; the C# scope owns one on the heap and frees it
// on the same thread that created it.
AIGC_API int32_t Engine_inference_mode_enter(void** guard_out) {
  return aigc::guard([&] { *guard_out = new c10::InferenceMode(true); });
}

AIGC_API int32_t Engine_inference_mode_exit(void* guard_ptr) {
  return aigc::guard([&] { delete static_cast<c10::InferenceMode*>(guard_ptr); });
}

// 1 when this libtorch has the fused scaled-dot-product attention (2.0 and later).
AIGC_API int32_t Engine_has_fused_attention() { return AIGC_TORCH_AT_LEAST(2, 0) ? 1 : 0; }

// Autocast for CUDA: enter returns the previous enabled flag so nested scopes restore it.
AIGC_API int32_t Engine_autocast_enter(int32_t dtype, int32_t* previous) {
  return aigc::guard([&] {
#if AIGC_TORCH_AT_LEAST(2, 4)
    *previous = at::autocast::is_autocast_enabled(at::kCUDA) ? 1 : 0;
    at::autocast::set_autocast_dtype(at::kCUDA, aigc::to_dtype(dtype));
    at::autocast::set_autocast_enabled(at::kCUDA, true);
#else
    *previous = at::autocast::is_enabled() ? 1 : 0;
    at::autocast::set_autocast_gpu_dtype(aigc::to_dtype(dtype));
    at::autocast::set_enabled(true);
#endif
    at::autocast::increment_nesting();
  });
}

AIGC_API int32_t Engine_autocast_exit(int32_t previous) {
  return aigc::guard([&] {
    // Cached casts of weights live until the outermost scope ends, as in torch.autocast.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
#if AIGC_TORCH_AT_LEAST(2, 4)
    at::autocast::set_autocast_enabled(at::kCUDA, previous != 0);
#else
    at::autocast::set_enabled(previous != 0);
#endif
  });
}
