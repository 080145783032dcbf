// Shared by every translation unit of the shim: the export macro, the handle type, the error
// guard that keeps C++ exceptions from crossing extern "C", and argument conversions.
#pragma once
#include <ATen/ATen.h>
#include <cstdint>
#include <string>

#define AIGC_API extern "C" __attribute__((visibility("default")))

// Every tensor crosses the boundary as a heap-allocated at::Tensor (a refcounted handle).
typedef at::Tensor* TensorH;

namespace aigc {

// Status codes returned by every export. 0 = success; anything else = fetch Engine_last_error.
constexpr int32_t kOk = 0;
constexpr int32_t kError = 1;

void set_last_error(const std::string& message);
const char* last_error_cstr();

// Runs f; converts every exception into a status code plus a thread-local message.
template <class F>
inline int32_t guard(F&& f) noexcept {
  try {
    f();
    return kOk;
  } catch (const c10::Error& e) {
    set_last_error(e.what_without_backtrace());
  } catch (const std::exception& e) {
    set_last_error(e.what());
  } catch (...) {
    set_last_error("unknown native error in libtorch shim");
  }
  return kError;
}

inline TensorH wrap(at::Tensor t) { return new at::Tensor(std::move(t)); }

// A null handle means "absent" for optional tensor arguments.
inline at::Tensor opt(TensorH t) { return t ? *t : at::Tensor(); }

inline const at::Tensor& ref(TensorH t) {
  TORCH_CHECK(t != nullptr, "null tensor handle");
  return *t;
}

at::ScalarType to_dtype(int32_t code);
at::Device to_device(int32_t type, int32_t index);
at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index);
at::IntArrayRef dims(const int64_t* data, int64_t count);

}  // namespace aigc
