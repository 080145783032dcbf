// A rank's membership of a c10d process group and the bucket helpers its collectives share; used by
// distributed.cpp (the collectives) and gradient_reducer.cpp (all-reduce overlapping backward).
// Compiled only with Gloo's headers (AIGC_WITH_C10D).
#pragma once
#ifdef AIGC_WITH_C10D
#include "aigc_common.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

namespace aigc::dist {

using namespace std::chrono;

// One rank's membership: the store, the Gloo group, and a heartbeat thread on its own store
// connection. The heartbeats let a failed collective say which peer stopped: a peer whose counter
// no longer moves is gone, where Gloo itself only reports a socket address.
struct Group {
  std::string host;
  std::string prefix;      // keys of this group in the store (a launcher's store outlives restarts)
  bool host_store = true;  // rank 0 hosts the store, unless a launcher (torchrun's agent) already does
  int port = 0, rank = 0, world = 1;
  milliseconds timeout{};
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  c10::intrusive_ptr<c10d::TCPStore> beat_store;
  std::thread beat;
  std::mutex beat_mutex;
  std::condition_variable beat_cv;
  bool stopping = false;

  ~Group() {
    {
      std::lock_guard<std::mutex> lock(beat_mutex);
      stopping = true;
    }
    beat_cv.notify_all();
    if (beat.joinable()) beat.join();
  }

  std::string heartbeat_key(int r) const { return prefix + "heartbeat/" + std::to_string(r); }

  std::string who() const { return "rank " + std::to_string(rank) + " of " + std::to_string(world); }

  // The peers whose heartbeat did not move over two beat periods; empty when all look alive
  // (then the failure was a timeout on a live but slow peer, or the network).
  std::string silent_peers() {
    try {
      auto probe = c10::make_intrusive<c10d::TCPStore>(host, options(false, milliseconds(2000)));
      std::vector<int64_t> before(world);
      for (int r = 0; r < world; ++r) before[r] = probe->add(heartbeat_key(r), 0);
      std::this_thread::sleep_for(milliseconds(2500));
      std::ostringstream out;
      for (int r = 0; r < world; ++r)
        if (r != rank && probe->add(heartbeat_key(r), 0) == before[r]) out << (out.tellp() > 0 ? ", " : "") << r;
      return out.str();
    } catch (const std::exception&) {
      // The store lives in rank 0's process: unreachable store = rank 0 is gone.
      if (!host_store) return std::string();  // the launcher's store is gone: no rank to blame
      return rank == 0 ? std::string() : std::string("0 (the rendezvous store it hosts is unreachable)");
    }
  }

  // joining: the rank's own store connection, counted by the rendezvous (rank 0 waits for all of
  // them); the heartbeat and probe connections are extra clients and must not be counted.
  c10d::TCPStoreOptions options(bool joining, milliseconds wait) const {
    c10d::TCPStoreOptions o;
    o.port = static_cast<uint16_t>(port);
    o.isServer = joining && rank == 0 && host_store;
    o.numWorkers = joining ? c10::optional<size_t>(world) : c10::nullopt;
    o.waitWorkers = joining;
    o.timeout = wait;
    return o;
  }

  [[noreturn]] void fail(const char* what, const std::exception& e) {
    std::string peers = world > 1 ? silent_peers() : std::string();
    std::ostringstream msg;
    msg << who() << ": " << what << " failed";
    if (!peers.empty()) msg << "; rank " << peers << " stopped responding";
    msg << " (" << e.what() << ")";
    throw std::runtime_error(msg.str());
  }
};

inline void start_heartbeat(Group& g) {
  g.beat_store = c10::make_intrusive<c10d::TCPStore>(g.host, g.options(false, g.timeout));
  g.beat = std::thread([&g] {
    std::unique_lock<std::mutex> lock(g.beat_mutex);
    while (!g.stopping) {
      try {
        g.beat_store->add(g.heartbeat_key(g.rank), 1);
      } catch (const std::exception&) {
        return;  // the store is gone; the next collective reports it
      }
      g.beat_cv.wait_for(lock, milliseconds(1000));
    }
  });
}

inline Group& group(void* handle) {
  TORCH_CHECK(handle != nullptr, "null process group handle");
  return *static_cast<Group*>(handle);
}

// Tensors of one dtype and device, cut into buckets of at most cap bytes (a tensor larger than
// the cap is a bucket of its own). Order is kept, so every rank forms the same buckets.
inline std::vector<std::vector<at::Tensor>> buckets(const std::vector<at::Tensor>& ts, int64_t cap) {
  std::vector<std::vector<at::Tensor>> out;
  int64_t bytes = 0;
  for (const auto& t : ts) {
    int64_t size = t.numel() * static_cast<int64_t>(t.element_size());
    bool same = !out.empty() && out.back().front().scalar_type() == t.scalar_type() &&
                out.back().front().device() == t.device();
    if (!same || bytes + size > cap) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().push_back(t);
    bytes += size;
  }
  return out;
}

// Runs op on one flat buffer holding the bucket, then writes the result back into the tensors.
template <class Op>
void flat(const std::vector<at::Tensor>& bucket, Op&& op) {
  if (bucket.size() == 1 && bucket[0].is_contiguous()) {
    op(bucket[0]);
    return;
  }
  std::vector<at::Tensor> views;
  views.reserve(bucket.size());
  for (const auto& t : bucket) views.push_back(t.reshape({-1}));
  at::Tensor buffer = at::cat(views);
  op(buffer);
  int64_t offset = 0;
  for (const auto& t : bucket) {
    int64_t n = t.numel();
    t.copy_(buffer.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
}

inline std::vector<at::Tensor> tensors(TensorH* handles, int32_t count) {
  TORCH_CHECK(count >= 0 && (count == 0 || handles), "bad tensor list");
  std::vector<at::Tensor> out;
  out.reserve(count);
  for (int32_t i = 0; i < count; ++i) out.push_back(aigc::ref(handles[i]));
  return out;
}

}  // namespace aigc::dist

#endif
