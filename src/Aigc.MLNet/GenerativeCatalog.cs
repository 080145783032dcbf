using System.Runtime.CompilerServices;
using Aigc.Torch;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Aigc.MLNet;

/// <summary>Where and how generative models run: device, libtorch threads and logging. Given once to
/// <see cref="MLContextExtensions.Generative(MLContext, GenerativeOptions?)"/>.</summary>
public sealed record GenerativeOptions
{
    /// <summary>Where training and generation run; null picks CUDA when usable, else the CPU.</summary>
    public Device? Device { get; init; }

    /// <summary>libtorch's intra-op threads for this process; null leaves the engine's setting alone.</summary>
    public int? Threads { get; init; }

    /// <summary>Receives progress and diagnostics (they also go to <see cref="MLContext.Log"/>).</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Applies <see cref="Aigc.Torch.ProcessTuning"/>: OpenBLAS at one thread under libtorch's
    /// pool, and glibc's allocator keeping large freed blocks. Settings of the whole process, hence
    /// off by default; the aigc tool and the benches turn it on (measured effect: docs/performance.md).</summary>
    public bool ProcessTuning { get; init; }

    /// <summary>Train data-parallel within this group of processes (see docs/distributed.md): each rank
    /// trains on its shard of every batch, gradients are averaged, rank 0 writes checkpoints, sample grids
    /// and logs. <c>ProcessGroup.FromEnvironment()</c> joins the group a launcher (torchrun,
    /// <c>aigc train --nproc</c>) describes. Null (the default): one process.</summary>
    public Aigc.Torch.Distributed.ProcessGroup? ProcessGroup { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Threads is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "must be in [1, 1024]");
    }
}

/// <summary><c>mlContext.Generative()</c>: the entry point of Aigc.MLNet on ML.NET's own context.</summary>
public static class MLContextExtensions
{
    private static readonly ConditionalWeakTable<MLContext, GenerativeCatalog> Catalogs = new();

    /// <summary>The generative trainers and evaluators of <paramref name="mlContext"/>. The first call
    /// creates the catalog; a call with <paramref name="options"/> (re)configures its device, threads
    /// and logging for the trainers and models created after it.</summary>
    /// <example><code>
    /// var ml = new MLContext(seed: 1);
    /// var vae = ml.Generative().Trainers.Vae(inputColumn: "Pixels", epochs: 10);
    /// </code></example>
    public static GenerativeCatalog Generative(this MLContext mlContext, GenerativeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        var catalog = Catalogs.GetValue(mlContext, ml => new GenerativeCatalog(ml, new GenerativeOptions()));
        if (options is not null) catalog.Configure(options);
        return catalog;
    }
}

/// <summary>
/// Generative trainers and evaluators (<c>mlContext.Generative().Trainers</c>, <c>.Evaluators</c>),
/// with the device and logging they use. Model families add extension methods to
/// <see cref="GenerativeTrainers"/> and <see cref="GenerativeEvaluators"/>, as ML.NET's catalogs do.
/// </summary>
public sealed class GenerativeCatalog
{
    private readonly IHost _host;
    private readonly object _seedLock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IChannel> _channels = new(StringComparer.Ordinal);

    internal GenerativeCatalog(MLContext mlContext, GenerativeOptions options)
    {
        MLContext = mlContext;
        _host = ((IHostEnvironment)mlContext).Register("Aigc.MLNet");
        Trainers = new GenerativeTrainers(this);
        Evaluators = new GenerativeEvaluators(this);
        Configure(options);
    }

    /// <summary>The ML.NET context this catalog belongs to.</summary>
    public MLContext MLContext { get; }

    /// <summary>The device models train and generate on.</summary>
    public Device Device { get; private set; } = Device.Cpu;

    /// <summary>Why <see cref="Device"/> was chosen (e.g. why CUDA was not used).</summary>
    public string DeviceReason { get; private set; } = "";

    /// <summary>The logger (a null logger unless one was given).</summary>
    public ILogger Logger { get; private set; } = NullLogger.Instance;

    /// <summary>The group this process trains in data-parallel, or null (one process).</summary>
    public Aigc.Torch.Distributed.ProcessGroup? ProcessGroup { get; private set; }

    /// <summary>True unless this process is a rank other than 0 of <see cref="ProcessGroup"/>: the process
    /// that writes files (checkpoints, sample grids, model files in the aigc tool) and logs.</summary>
    public bool IsMainProcess => ProcessGroup is not { IsMain: false };

    /// <summary>The trainers of every model family.</summary>
    public GenerativeTrainers Trainers { get; }

    /// <summary>The evaluators.</summary>
    public GenerativeEvaluators Evaluators { get; }

    internal void Configure(GenerativeOptions options)
    {
        options.Validate();
        if (options.ProcessTuning) Aigc.Torch.ProcessTuning.Apply();
        if (options.Threads is { } t) Engine.SetNumThreads(t);
        string reason = $"Device {options.Device} was chosen by the caller.";
        Device = options.Device ?? Device.Auto(out reason);
        DeviceReason = reason;
        Logger = options.Logger ?? NullLogger.Instance;
        ProcessGroup = options.ProcessGroup;
    }

    /// <summary>A seed for a new trainer with none of its own, drawn from the ML.NET context's seeded
    /// random source (as ML.NET's own trainers draw theirs when they are created).</summary>
    internal int NextSeed()
    {
        lock (_seedLock) return _host.Rand.Next();
    }

    internal void WriteLog(LogLevel level, string source, string message)
    {
        Logger.Log(level, "{Source}: {Message}", source, message);
        // One long-lived channel per source: opening one per line would add ML.NET's start/stop trace lines.
        var channel = _channels.GetOrAdd(source, s => _host.Start(s));
        if (level >= LogLevel.Warning) channel.Warning(MessageSensitivity.None, message);
        else channel.Info(MessageSensitivity.None, message);
    }

    /// <summary>Extension point for trainers.</summary>
    public sealed class GenerativeTrainers
    {
        internal GenerativeTrainers(GenerativeCatalog catalog) => Catalog = catalog;

        /// <summary>The owning catalog.</summary>
        public GenerativeCatalog Catalog { get; }
    }

    /// <summary>Extension point for evaluators.</summary>
    public sealed class GenerativeEvaluators
    {
        internal GenerativeEvaluators(GenerativeCatalog catalog) => Catalog = catalog;

        /// <summary>The owning catalog.</summary>
        public GenerativeCatalog Catalog { get; }
    }
}
