using System.Globalization;
using Aigc.Torch.Native;
using Aigc.Torch.Nn;

namespace Aigc.Torch.Distributed;

/// <summary>
/// This process's place in a group of processes training together, over libtorch's c10d: a
/// TCPStore rendezvous hosted by rank 0 and Gloo collectives (CPU tensors). Every rank must call
/// the same collectives in the same order with tensors of the same shapes.
/// </summary>
/// <remarks>
/// <para><see cref="FromEnvironment"/> reads torchrun's variables (MASTER_ADDR, MASTER_PORT, RANK,
/// WORLD_SIZE, LOCAL_RANK), so any launcher that sets them (torchrun, Slurm scripts, Kubernetes
/// jobs, <c>aigc train --nproc</c>) starts a group.</para>
/// <para>A collective that fails (a peer process died, a timeout) throws
/// <see cref="DistributedException"/> naming this rank and, when the peers' heartbeats tell, the
/// rank that stopped. A group whose collective failed is unusable; dispose it.</para>
/// </remarks>
public sealed class ProcessGroup : IDisposable
{
    /// <summary>The default bucket size of bucketed collectives: 25 MiB, as PyTorch's DDP.</summary>
    public const long DefaultBucketBytes = 25L << 20;

    /// <summary>The default time a rendezvous or collective may wait for the other ranks.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    private IntPtr _handle;

    private ProcessGroup(IntPtr handle, string address, int port, int rank, int worldSize, int localRank, TimeSpan timeout)
    {
        _handle = handle;
        (MasterAddress, MasterPort, Rank, WorldSize, LocalRank, Timeout) = (address, port, rank, worldSize, localRank, timeout);
    }

    /// <summary>Whether the native shim was built with c10d/Gloo (on Debian: libgloo-dev present at build time).</summary>
    public static bool IsAvailable
    {
        get => DistributedNative.Dist_available() != 0;
    }

    /// <summary>This process's rank, 0 to <see cref="WorldSize"/> - 1.</summary>
    public int Rank { get; }

    /// <summary>The number of processes in the group.</summary>
    public int WorldSize { get; }

    /// <summary>This process's rank among those on its machine (selects its GPU).</summary>
    public int LocalRank { get; }

    /// <summary>Rank 0: the one that hosts the store and writes checkpoints and model files.</summary>
    public bool IsMain => Rank == 0;

    /// <summary>The rendezvous host.</summary>
    public string MasterAddress { get; }

    /// <summary>The rendezvous port.</summary>
    public int MasterPort { get; }

    /// <summary>How long the rendezvous and each collective may wait for the other ranks.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Joins a group: rank 0 hosts the store at <paramref name="masterAddress"/>:<paramref name="masterPort"/>
    /// and waits for the others; every rank returns once all <paramref name="worldSize"/> have joined.</summary>
    /// <exception cref="ArgumentException">A bad rank, world size, address or port (named).</exception>
    /// <exception cref="DistributedException">The store could not be hosted or reached within
    /// <paramref name="timeout"/> (the message names the address), or the ranks could not connect.</exception>
    public static ProcessGroup Join(string masterAddress, int masterPort, int rank, int worldSize, TimeSpan? timeout = null, int? localRank = null) =>
        Join(masterAddress, masterPort, rank, worldSize, timeout, localRank, hostStore: true, "aigc/");

    private static ProcessGroup Join(string masterAddress, int masterPort, int rank, int worldSize, TimeSpan? timeout, int? localRank, bool hostStore, string prefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(masterAddress);
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "must be at least 1");
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"must be in [0, {worldSize - 1}] for a world of {worldSize}");
        if (masterPort is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(masterPort), masterPort, "must be a TCP port in [1, 65535]");
        var wait = timeout ?? DefaultTimeout;
        if (wait <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), wait, "must be positive");
        if (!IsAvailable)
            throw new PlatformNotSupportedException("The native shim was built without c10d/Gloo, so it cannot train across processes; " +
                "install libgloo-dev (Debian) and rebuild.");
        if (DistributedNative.Dist_init(masterAddress, masterPort, rank, worldSize, (long)Math.Ceiling(wait.TotalMilliseconds), hostStore ? 1 : 0, prefix, out var handle) != 0)
            throw new DistributedException(rank, NativeStatus.LastError());
        return new ProcessGroup(handle, masterAddress, masterPort, rank, worldSize, localRank ?? rank, wait);
    }

    /// <summary>Joins the group torchrun's environment describes (MASTER_ADDR, MASTER_PORT, RANK,
    /// WORLD_SIZE, LOCAL_RANK); null when WORLD_SIZE is not set (a single process). Under torchrun itself,
    /// whose agent hosts the store (TORCHELASTIC_USE_AGENT_STORE), every rank connects to that store.</summary>
    /// <exception cref="ArgumentException">A variable is set but malformed, or one is missing (named).</exception>
    public static ProcessGroup? FromEnvironment(TimeSpan? timeout = null) =>
        DistributedEnvironment.Read() is { } env
            ? Join(env.MasterAddress, env.MasterPort, env.Rank, env.WorldSize, timeout, env.LocalRank, !env.LauncherHostsStore,
                string.Create(CultureInfo.InvariantCulture, $"aigc/{env.RestartCount}/"))
            : null;

    /// <summary>Combines each tensor across ranks, in place. Tensors are packed into buckets of at most
    /// <paramref name="bucketBytes"/> bytes so many small tensors cost few messages.</summary>
    public void AllReduce(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.Sum, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 1);
        Call(() => DistributedNative.Dist_all_reduce(Live(), Handles(tensors), tensors.Count, (int)op, bucketBytes), tensors);
    }

    /// <summary>Combines one tensor across ranks, in place.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum) => AllReduce([tensor], op);

    /// <summary>Combines plain numbers across ranks (one small message), e.g. losses for a report.</summary>
    public double[] AllReduce(ReadOnlySpan<double> values, ReduceOp op)
    {
        using var t = Tensor.FromArray<double>(values, values.Length);
        AllReduce(t, op);
        return t.ToArray<double>();
    }

    /// <summary>Overwrites each tensor with <paramref name="root"/>'s, in place.</summary>
    public void Broadcast(IReadOnlyList<Tensor> tensors, int root = 0, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (root < 0 || root >= WorldSize) throw new ArgumentOutOfRangeException(nameof(root), root, $"must be a rank in [0, {WorldSize - 1}]");
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 1);
        Call(() => DistributedNative.Dist_broadcast(Live(), Handles(tensors), tensors.Count, root, bucketBytes), tensors);
    }

    /// <summary>Every rank's <paramref name="tensor"/>, stacked in rank order along a new first dimension.</summary>
    public Tensor AllGather(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        IntPtr result = IntPtr.Zero;
        Call(() => DistributedNative.Dist_all_gather(Live(), tensor.Handle, out result), [tensor]);
        return new Tensor(result);
    }

    /// <summary>Returns once every rank has called it.</summary>
    public void Barrier() => Call<Tensor>(() => DistributedNative.Dist_barrier(Live()), []);

    /// <summary>Averages the parameters' gradients over the ranks, in buckets of at most
    /// <paramref name="bucketBytes"/>; a parameter without a gradient gets a zero one first, so
    /// every rank sends the same buckets. This is data parallelism's step between backward and update.</summary>
    public void AverageGradients(IReadOnlyList<Parameter> parameters, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 1);
        Call(() => DistributedNative.Dist_average_gradients(Live(), Handles(parameters), parameters.Count, bucketBytes), parameters);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"rank {Rank} of {WorldSize} (store {MasterAddress}:{MasterPort})");

    /// <summary>Leaves the group (closes this rank's connections).</summary>
    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) DistributedNative.Dist_free(h);
        GC.SuppressFinalize(this);
    }

    /// <summary>Leaves the group if the owner forgot to.</summary>
    ~ProcessGroup() => Dispose();

    internal IntPtr Live()
    {
        ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero, this);
        return _handle;
    }

    internal static IntPtr[] Handles<T>(IReadOnlyList<T> tensors) where T : Tensor
    {
        var handles = new IntPtr[tensors.Count];
        for (int i = 0; i < handles.Length; i++)
            handles[i] = (tensors[i] ?? throw new ArgumentException($"tensor {i} is null", nameof(tensors))).Handle.DangerousGetHandle();
        return handles;
    }

    internal void Call<T>(Func<int> native, IReadOnlyList<T> keepAlive) where T : Tensor
    {
        int status = native();
        GC.KeepAlive(keepAlive);
        GC.KeepAlive(this);
        if (status != 0) throw new DistributedException(Rank, NativeStatus.LastError());
    }
}
