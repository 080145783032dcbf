// Gradient averaging that overlaps the backward pass, as PyTorch's DDP reducer does: a hook on each
// parameter's gradient accumulator marks it ready, and a bucket whose parameters are all ready is
// flattened and its all-reduce started at once, in a fixed bucket order on every rank, while
// backward goes on computing earlier layers' gradients. finish() waits for the buckets, fills in
// zero gradients for parameters no backward pass reached (their buckets go last), and writes the
// averages back.
//
// A reducer is armed by the optimiser's zero_grad and disarmed by finish, so gradients that reach its
// parameters outside that window (a GAN's discriminator during the generator's backward) start nothing.
#include "aigc_common.h"

#ifdef AIGC_WITH_C10D
#include "aigc_distributed.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <memory>

using namespace aigc::dist;

namespace {

struct Reducer {
  Group* group = nullptr;
  std::vector<at::Tensor> params;                          // bucket order: the reverse of the optimiser's
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;  // held, so the hooked nodes live
  std::vector<uintptr_t> hook_keys;
  std::vector<std::vector<size_t>> bucket_params;
  std::vector<int> bucket_of;
  std::vector<size_t> unready;                             // per bucket
  std::vector<bool> ready;                                 // per parameter
  std::vector<at::Tensor> buffers;                         // per launched bucket
  std::vector<c10::intrusive_ptr<c10d::Work>> works;       // per launched bucket
  size_t launched = 0;
  bool armed = false;
  std::exception_ptr failure;                              // from a hook; reported by finish
  std::mutex mutex;

  void arm() {
    std::lock_guard<std::mutex> lock(mutex);
    // An armed step that never finished (an exception between backward and step) is dropped.
    for (auto& w : works)
      if (w) w->wait();
    armed = true;
    launched = 0;
    failure = nullptr;
    std::fill(ready.begin(), ready.end(), false);
    for (size_t b = 0; b < bucket_params.size(); ++b) unready[b] = bucket_params[b].size();
    buffers.assign(bucket_params.size(), at::Tensor());
    works.assign(bucket_params.size(), c10::intrusive_ptr<c10d::Work>());
  }

  // Called with the mutex held: starts every bucket from the next in order whose parameters are ready.
  void launch_ready() {
    while (launched < bucket_params.size() && unready[launched] == 0) {
      std::vector<at::Tensor> views;
      for (size_t i : bucket_params[launched]) views.push_back(params[i].grad().reshape({-1}));
      buffers[launched] = views.size() == 1 ? views[0].clone() : at::cat(views);
      std::vector<at::Tensor> one{buffers[launched]};
      works[launched] = group->pg->allreduce(one);
      ++launched;
    }
  }

  void on_ready(size_t i) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!armed || ready[i] || failure) return;
    ready[i] = true;
    --unready[bucket_of[i]];
    try {
      launch_ready();
    } catch (...) {
      failure = std::current_exception();  // a dead peer: said by finish, not from inside backward
    }
  }

  void finish() {
    std::lock_guard<std::mutex> lock(mutex);
    TORCH_CHECK(armed, "the gradient reducer was not armed (zero the gradients before backward)");
    armed = false;
    try {
      if (failure) std::rethrow_exception(failure);
      for (size_t i = 0; i < params.size(); ++i) {
        if (ready[i]) continue;
        if (!params[i].grad().defined()) params[i].mutable_grad() = at::zeros_like(params[i]);
        ready[i] = true;
        --unready[bucket_of[i]];
      }
      launch_ready();
      for (size_t b = 0; b < works.size(); ++b) {
        works[b]->wait();
        buffers[b].div_(group->world);
        int64_t offset = 0;
        for (size_t i : bucket_params[b]) {
          auto& g = params[i].mutable_grad();
          g.copy_(buffers[b].narrow(0, offset, g.numel()).view_as(g));
          offset += g.numel();
        }
      }
    } catch (const std::exception& e) {
      works.assign(works.size(), c10::intrusive_ptr<c10d::Work>());
      group->fail("gradient all-reduce", e);
    }
    buffers.assign(buffers.size(), at::Tensor());
    works.assign(works.size(), c10::intrusive_ptr<c10d::Work>());
  }
};

Reducer& reducer(void* handle) {
  TORCH_CHECK(handle != nullptr, "null gradient reducer handle");
  return *static_cast<Reducer*>(handle);
}

}  // namespace

// Hooks params (leaf tensors that require grad) for averaging over the group; buckets of at most
// bucket_bytes are formed from the last parameter backwards, as gradients arrive in that order. The
// first bucket holds at most 1 MiB (as DDP's), so communication starts early in backward.
AIGC_API int32_t Dist_reducer_new(void* group_handle, TensorH* parameters, int32_t count, int64_t bucket_bytes, void** out) {
  return aigc::guard([&] {
    TORCH_CHECK(out && bucket_bytes > 0, "bad reducer arguments");
    auto r = std::make_unique<Reducer>();
    r->group = &group(group_handle);
    auto list = tensors(parameters, count);
    r->params.assign(list.rbegin(), list.rend());
    int64_t bytes = 0;
    for (size_t i = 0; i < r->params.size(); ++i) {
      const auto& p = r->params[i];
      TORCH_CHECK(p.requires_grad() && p.is_leaf(), "parameter ", i, " is not a leaf that requires grad");
      int64_t size = p.numel() * static_cast<int64_t>(p.element_size());
      bool same = !r->bucket_params.empty() && r->params[r->bucket_params.back().front()].scalar_type() == p.scalar_type();
      int64_t cap = r->bucket_params.size() == 1 ? std::min<int64_t>(bucket_bytes, 1 << 20) : bucket_bytes;
      if (!same || bytes + size > cap) {
        r->bucket_params.emplace_back();
        bytes = 0;
      }
      r->bucket_params.back().push_back(i);
      r->bucket_of.push_back(static_cast<int>(r->bucket_params.size() - 1));
      bytes += size;
    }
    r->unready.resize(r->bucket_params.size());
    r->ready.resize(r->params.size());
    Reducer* raw = r.get();
    for (size_t i = 0; i < r->params.size(); ++i) {
      auto acc = torch::autograd::impl::grad_accumulator(r->params[i]);
      TORCH_CHECK(acc, "parameter ", i, " has no gradient accumulator");
      r->hook_keys.push_back(acc->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
          [raw, i](const torch::autograd::variable_list& outputs, const torch::autograd::variable_list&) {
            raw->on_ready(i);
            return outputs;
          })));
      r->accumulators.push_back(std::move(acc));
    }
    *out = r.release();
  });
}

AIGC_API int32_t Dist_reducer_arm(void* handle) {
  return aigc::guard([&] { reducer(handle).arm(); });
}

AIGC_API int32_t Dist_reducer_finish(void* handle) {
  return aigc::guard([&] { reducer(handle).finish(); });
}

// Removes the hooks (the accumulators stay with their parameters) and frees the reducer.
AIGC_API void Dist_reducer_free(void* handle) {
  auto* r = static_cast<Reducer*>(handle);
  if (!r) return;
  for (auto& w : r->works)
    if (w) w->wait();
  for (size_t i = 0; i < r->accumulators.size(); ++i) r->accumulators[i]->del_post_hook(r->hook_keys[i]);
  delete r;
}

#else

AIGC_API int32_t Dist_reducer_new(void*, TensorH*, int32_t, int64_t, void**) {
  return aigc::guard([] { TORCH_CHECK(false, "this build of the native shim has no c10d/Gloo support"); });
}
AIGC_API int32_t Dist_reducer_arm(void*) {
  return aigc::guard([] { TORCH_CHECK(false, "this build of the native shim has no c10d/Gloo support"); });
}
AIGC_API int32_t Dist_reducer_finish(void*) {
  return aigc::guard([] { TORCH_CHECK(false, "this build of the native shim has no c10d/Gloo support"); });
}
AIGC_API void Dist_reducer_free(void*) {}

#endif
