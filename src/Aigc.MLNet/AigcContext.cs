using Aigc.Torch;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Aigc.MLNet;

/// <summary>
/// The starting point of every pipeline, like ML.NET's <c>MLContext</c>: it carries the seed, the
/// device, the thread setting and logging, and exposes the catalogs.
/// </summary>
/// <example><code>
/// var ctx = new AigcContext(seed: 1);
/// var data = ctx.Data.LoadFromIdx(imagesPath, labelsPath);
/// var pipeline = ctx.Transforms.ScaleImagePixels("Image", "Pixels");
/// </code></example>
public sealed class AigcContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="seed">Seeds libtorch (CPU and CUDA) and every shuffle and split that takes no seed of its own.</param>
    /// <param name="device">Where training and generation run; null picks CUDA when usable, else the CPU.</param>
    /// <param name="threads">libtorch's intra-op threads; null keeps the engine default (cores).</param>
    /// <param name="logger">Receives progress and diagnostics; also raised as <see cref="Log"/>.</param>
    public AigcContext(int seed = 0, Device? device = null, int? threads = null, ILogger? logger = null)
    {
        Seed = seed;
        Engine.ManualSeed(unchecked((ulong)seed));
        if (threads is { } t) Engine.SetNumThreads(t);
        string reason = $"Device {device} was chosen by the caller.";
        Device = device ?? Device.Auto(out reason);
        DeviceReason = reason;
        Logger = logger ?? NullLogger.Instance;
        Data = new DataCatalog(this);
        Transforms = new TransformsCatalog(this);
        Generative = new GenerativeCatalog(this);
        Model = new ModelCatalog(this);
    }

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>The device models train and generate on.</summary>
    public Device Device { get; }

    /// <summary>Why <see cref="Device"/> was chosen (e.g. why CUDA was not used).</summary>
    public string DeviceReason { get; }

    /// <summary>The logger given at construction (a null logger otherwise).</summary>
    public ILogger Logger { get; }

    /// <summary>Raised for every log line, as ML.NET's <c>MLContext.Log</c>.</summary>
    public event EventHandler<LogEventArgs>? Log;

    /// <summary>Loading, shuffling, splitting, converting rows.</summary>
    public DataCatalog Data { get; }

    /// <summary>Data transforms (image and text preparation).</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>Generative trainers and evaluators; model families add their entries here.</summary>
    public GenerativeCatalog Generative { get; }

    /// <summary>Saving and loading model files.</summary>
    public ModelCatalog Model { get; }

    internal void WriteLog(LogLevel level, string source, string message)
    {
        Logger.Log(level, "{Source}: {Message}", source, message);
        Log?.Invoke(this, new LogEventArgs(level, source, message));
    }
}

/// <summary>One log line.</summary>
public sealed class LogEventArgs(LogLevel level, string source, string message) : EventArgs
{
    /// <summary>Severity.</summary>
    public LogLevel Level { get; } = level;

    /// <summary>The component that wrote it (e.g. "Training").</summary>
    public string Source { get; } = source;

    /// <summary>The text.</summary>
    public string Message { get; } = message;

    /// <inheritdoc />
    public override string ToString() => $"[{Level}] {Source}: {Message}";
}

/// <summary>Generative trainers and evaluators (<c>ctx.Generative.Trainers</c>, <c>ctx.Generative.Evaluators</c>).
/// Model families add extension methods to these classes, as ML.NET's trainer catalogs do.</summary>
public sealed class GenerativeCatalog
{
    internal GenerativeCatalog(AigcContext context)
    {
        Trainers = new GenerativeTrainers(context);
        Evaluators = new GenerativeEvaluators(context);
    }

    /// <summary>The trainers of every model family.</summary>
    public GenerativeTrainers Trainers { get; }

    /// <summary>The evaluators.</summary>
    public GenerativeEvaluators Evaluators { get; }

    /// <summary>Extension point for trainers.</summary>
    public sealed class GenerativeTrainers
    {
        internal GenerativeTrainers(AigcContext context) => Context = context;

        /// <summary>The owning context.</summary>
        public AigcContext Context { get; }
    }

    /// <summary>Extension point for evaluators.</summary>
    public sealed class GenerativeEvaluators
    {
        internal GenerativeEvaluators(AigcContext context) => Context = context;

        /// <summary>The owning context.</summary>
        public AigcContext Context { get; }
    }
}
