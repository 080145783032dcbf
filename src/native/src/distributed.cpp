// Process groups over libtorch's own c10d: a TCPStore rendezvous (torchrun's MASTER_ADDR/PORT
// contract) and ProcessGroupGloo for the collectives. Nothing here implements a collective; it
// flattens tensor lists into few large buffers (one message per bucket instead of one per tensor)
// and turns c10d's failures into messages that name the rank and the peer.
#include "aigc_common.h"

#ifdef AIGC_WITH_C10D
#include "aigc_distributed.h"

using namespace aigc::dist;

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
