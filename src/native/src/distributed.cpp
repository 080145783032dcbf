// Process groups over libtorch's own c10d: a TCPStore rendezvous (torchrun's MASTER_ADDR/PORT
// contract) and ProcessGroupGloo for the collectives. Nothing here implements a collective; it
// flattens tensor lists into few large buffers (one message per bucket instead of one per tensor)
// and turns c10d's failures into messages that name the rank and the peer.
#include "aigc_common.h"

#ifdef AIGC_WITH_C10D
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>

namespace {

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

void start_heartbeat(Group& g) {
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

Group& group(void* handle) {
  TORCH_CHECK(handle != nullptr, "null process group handle");
  return *static_cast<Group*>(handle);
}

// Tensors of one dtype and device, cut into buckets of at most cap bytes (a tensor larger than
// the cap is a bucket of its own). Order is kept, so every rank forms the same buckets.
std::vector<std::vector<at::Tensor>> buckets(const std::vector<at::Tensor>& ts, int64_t cap) {
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

std::vector<at::Tensor> tensors(TensorH* handles, int32_t count) {
  TORCH_CHECK(count >= 0 && (count == 0 || handles), "bad tensor list");
  std::vector<at::Tensor> out;
  out.reserve(count);
  for (int32_t i = 0; i < count; ++i) out.push_back(aigc::ref(handles[i]));
  return out;
}

}  // namespace

AIGC_API int32_t Dist_available() { return 1; }

// Joins the group: rank 0 hosts the store on host:port (unless host_store is 0: a launcher hosts it)
// and waits for world-1 others; every key goes under prefix. Fails after timeout_ms naming the
// address when the store cannot be reached.
AIGC_API int32_t Dist_init(const char* host, int32_t port, int32_t rank, int32_t world, int64_t timeout_ms,
                           int32_t host_store, const char* prefix, void** out) {
  return aigc::guard([&] {
    TORCH_CHECK(host && prefix && out, "null argument");
    TORCH_CHECK(world >= 1 && rank >= 0 && rank < world, "rank ", rank, " is outside the world of ", world);
    TORCH_CHECK(port > 0 && port < 65536, "port ", port, " is outside 1..65535");
    TORCH_CHECK(timeout_ms > 0, "timeout must be positive");
    auto g = std::make_unique<Group>();
    g->host = host;
    g->port = port;
    g->rank = rank;
    g->world = world;
    g->timeout = milliseconds(timeout_ms);
    g->host_store = host_store != 0;
    g->prefix = prefix;
    std::string where = g->host + ":" + std::to_string(port);
    try {
      g->store = c10::make_intrusive<c10d::TCPStore>(g->host, g->options(true, g->timeout));
    } catch (const std::exception& e) {
      std::ostringstream msg;
      msg << g->who() << ": could not " << (rank == 0 && g->host_store ? "host" : "reach") << " the rendezvous store at " << where
          << " within " << timeout_ms / 1000.0 << " s (" << e.what() << ")";
      throw std::runtime_error(msg.str());
    }
    try {
      auto opts = c10d::ProcessGroupGloo::Options::create(g->timeout);
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(g->host == "localhost" ? "127.0.0.1" : g->host));
      auto keys = c10::make_intrusive<c10d::PrefixStore>(g->prefix + "gloo", g->store);
      g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(keys, rank, world, opts);
    } catch (const std::exception& e) {
      std::ostringstream msg;
      msg << g->who() << ": the store at " << where << " was reached, but connecting to the other ranks failed ("
          << e.what() << ")";
      throw std::runtime_error(msg.str());
    }
    start_heartbeat(*g);
    *out = g.release();
  });
}

AIGC_API void Dist_free(void* handle) { delete static_cast<Group*>(handle); }

// op: 0 sum, 1 average, 2 max. Tensors are reduced in place, bucket by bucket.
AIGC_API int32_t Dist_all_reduce(void* handle, TensorH* handles, int32_t count, int32_t op, int64_t bucket_bytes) {
  return aigc::guard([&] {
    Group& g = group(handle);
    TORCH_CHECK(op >= 0 && op <= 2, "unknown reduction ", op);
    TORCH_CHECK(bucket_bytes > 0, "bucket size must be positive");
    auto list = tensors(handles, count);
    try {
      c10d::AllreduceOptions o;
      o.reduceOp = op == 2 ? c10d::ReduceOp(c10d::ReduceOp::MAX) : c10d::ReduceOp(c10d::ReduceOp::SUM);
      for (auto& bucket : buckets(list, bucket_bytes))
        flat(bucket, [&](const at::Tensor& buffer) {
          std::vector<at::Tensor> one{buffer};
          g.pg->allreduce(one, o)->wait();
          if (op == 1) buffer.div_(g.world);
        });
    } catch (const std::exception& e) {
      g.fail("all-reduce", e);
    }
  });
}

// Data parallelism's step: every parameter's gradient averaged over the ranks, in buckets. A
// parameter no backward pass reached gets a zero gradient, so every rank sends the same buckets.
AIGC_API int32_t Dist_average_gradients(void* handle, TensorH* parameters, int32_t count, int64_t bucket_bytes) {
  return aigc::guard([&] {
    Group& g = group(handle);
    TORCH_CHECK(bucket_bytes > 0, "bucket size must be positive");
    std::vector<at::Tensor> grads;
    grads.reserve(count);
    for (auto& p : tensors(parameters, count)) {
      if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
      grads.push_back(p.grad());
    }
    try {
      for (auto& bucket : buckets(grads, bucket_bytes))
        flat(bucket, [&](const at::Tensor& buffer) {
          std::vector<at::Tensor> one{buffer};
          g.pg->allreduce(one)->wait();
          buffer.div_(g.world);
        });
    } catch (const std::exception& e) {
      g.fail("gradient all-reduce", e);
    }
  });
}

AIGC_API int32_t Dist_broadcast(void* handle, TensorH* handles, int32_t count, int32_t root, int64_t bucket_bytes) {
  return aigc::guard([&] {
    Group& g = group(handle);
    TORCH_CHECK(root >= 0 && root < g.world, "root rank ", root, " is outside the world of ", g.world);
    TORCH_CHECK(bucket_bytes > 0, "bucket size must be positive");
    auto list = tensors(handles, count);
    try {
      c10d::BroadcastOptions o;
      o.rootRank = root;
      for (auto& bucket : buckets(list, bucket_bytes))
        flat(bucket, [&](const at::Tensor& buffer) {
          std::vector<at::Tensor> one{buffer};
          g.pg->broadcast(one, o)->wait();
        });
    } catch (const std::exception& e) {
      g.fail("broadcast", e);
    }
  });
}

// Every rank's tensor, stacked along a new first dimension in rank order.
AIGC_API int32_t Dist_all_gather(void* handle, TensorH input, TensorH* out) {
  return aigc::guard([&] {
    Group& g = group(handle);
    at::Tensor t = aigc::ref(input).contiguous();
    std::vector<int64_t> sizes{g.world};
    sizes.insert(sizes.end(), t.sizes().begin(), t.sizes().end());
    at::Tensor result = at::empty(sizes, t.options());
    try {
      std::vector<std::vector<at::Tensor>> outputs(1);
      for (int r = 0; r < g.world; ++r) outputs[0].push_back(result[r]);
      std::vector<at::Tensor> inputs{t};
      g.pg->allgather(outputs, inputs)->wait();
    } catch (const std::exception& e) {
      g.fail("all-gather", e);
    }
    *out = aigc::wrap(result);
  });
}

AIGC_API int32_t Dist_barrier(void* handle) {
  return aigc::guard([&] {
    Group& g = group(handle);
    try {
      g.pg->barrier()->wait();
    } catch (const std::exception& e) {
      g.fail("barrier", e);
    }
  });
}

#else

AIGC_API int32_t Dist_available() { return 0; }

AIGC_API int32_t Dist_init(const char*, int32_t, int32_t, int32_t, int64_t, int32_t, const char*, void**) {
  return aigc::guard([] {
    TORCH_CHECK(false, "this build of the native shim has no c10d/Gloo support (on Debian: apt install libgloo-dev, "
                       "then rebuild the shim)");
  });
}

AIGC_API void Dist_free(void*) {}

#define AIGC_NO_C10D(...) \
  return aigc::guard([] { TORCH_CHECK(false, "this build of the native shim has no c10d/Gloo support"); })

AIGC_API int32_t Dist_all_reduce(void*, TensorH*, int32_t, int32_t, int64_t) { AIGC_NO_C10D(); }
AIGC_API int32_t Dist_average_gradients(void*, TensorH*, int32_t, int64_t) { AIGC_NO_C10D(); }
AIGC_API int32_t Dist_broadcast(void*, TensorH*, int32_t, int32_t, int64_t) { AIGC_NO_C10D(); }
AIGC_API int32_t Dist_all_gather(void*, TensorH, TensorH*) { AIGC_NO_C10D(); }
AIGC_API int32_t Dist_barrier(void*) { AIGC_NO_C10D(); }

#endif
