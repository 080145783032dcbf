// The thread-local last-error slot and the argument conversions shared by all exports.
#include "aigc_common.h"

namespace aigc {

namespace {
thread_local std::string last_error;
}

void set_last_error(const std::string& message) { last_error = message; }

const char* last_error_cstr() { return last_error.c_str(); }

at::ScalarType to_dtype(int32_t code) {
  switch (code) {
    case 0: return at::kByte;
    case 3: return at::kInt;
    case 4: return at::kLong;
    case 5: return at::kHalf;
    case 6: return at::kFloat;
    case 7: return at::kDouble;
    case 11: return at::kBool;
    case 15: return at::kBFloat16;
    default: TORCH_CHECK(false, "unsupported dtype code ", code);
  }
}

at::Device to_device(int32_t type, int32_t index) {
  TORCH_CHECK(type == 0 || type == 1, "unsupported device type code ", type);
  if (type == 0) return at::Device(at::kCPU);
  return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
}

at::TensorOptions options(int32_t dtype, int32_t device_type, int32_t device_index) {
  return at::TensorOptions().dtype(to_dtype(dtype)).device(to_device(device_type, device_index));
}

at::IntArrayRef dims(const int64_t* data, int64_t count) {
  TORCH_CHECK(count >= 0, "negative dimension count");
  TORCH_CHECK(count == 0 || data != nullptr, "null dimension array");
  return at::IntArrayRef(data, static_cast<size_t>(count));
}

}  // namespace aigc

// The message stays owned by the shim (valid until the next failing call on this thread);
// C# copies it immediately, so no memory ever changes allocator.
AIGC_API const char* Engine_last_error() { return aigc::last_error_cstr(); }
