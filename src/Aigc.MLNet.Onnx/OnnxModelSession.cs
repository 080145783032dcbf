using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Aigc.MLNet.Onnx;

/// <summary>One exported <c>.onnx</c> file open in ONNX Runtime, checked against what the caller
/// expects (family, graph) through the metadata the exporter wrote.</summary>
internal sealed class OnnxModelSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly IReadOnlyDictionary<string, string> _metadata;

    private OnnxModelSession(string path, InferenceSession session)
    {
        (Path, _session) = (path, session);
        _metadata = session.ModelMetadata.CustomMetadataMap;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Opens <paramref name="path"/> and checks it is the <paramref name="graph"/> graph of
    /// a <paramref name="family"/> model written by Aigc.MLNet.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a valid ONNX model, or not the expected one.</exception>
    public static OnnxModelSession Open(string path, string family, string graph, SessionOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No ONNX model at '{path}'.", path);
        InferenceSession session;
        try
        {
            session = options is null ? new InferenceSession(path) : new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid ONNX model: {e.Message}", e);
        }
        var result = new OnnxModelSession(path, session);
        try
        {
            result.Check(OnnxContract.Keys.Format, OnnxContract.FormatVersion);
            result.Check(OnnxContract.Keys.Family, family);
            result.Check(OnnxContract.Keys.Graph, graph);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Opens a session as <see cref="Open"/> does and builds <typeparamref name="T"/> over it;
    /// the session is closed when building fails (a bad metadata value).</summary>
    public static T Open<T>(string path, string family, string graph, SessionOptions? options, Func<OnnxModelSession, T> create)
    {
        var session = Open(path, family, graph, options);
        try
        {
            return create(session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The declared dimensions of an input (-1 for a symbolic one).</summary>
    public int[] InputDims(string name) => _session.InputMetadata.TryGetValue(name, out var m) ? m.Dimensions
        : throw new InvalidDataException($"'{Path}' has no input '{name}'.");

    /// <summary>The declared dimensions of an output (-1 for a symbolic one).</summary>
    public int[] OutputDims(string name) => _session.OutputMetadata.TryGetValue(name, out var m) ? m.Dimensions
        : throw new InvalidDataException($"'{Path}' has no output '{name}'.");

    private void Check(string key, string expected)
    {
        var actual = Text(key);
        if (actual != expected)
            throw new InvalidDataException($"'{Path}' has {key} = '{actual}', expected '{expected}': it is not the model this type runs.");
    }

    /// <summary>A metadata value.</summary>
    public string Text(string key) => _metadata.TryGetValue(key, out var v)
        ? v : throw new InvalidDataException($"'{Path}' lacks the metadata entry '{key}' that Aigc.MLNet writes on export.");

    /// <summary>A positive integer metadata value, at most <paramref name="maximum"/>.</summary>
    public int Int(string key, int maximum = 1 << 20) =>
        int.TryParse(Text(key), NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= 1 && v <= maximum
            ? v : throw new InvalidDataException($"'{Path}' has {key} = '{Text(key)}', not an integer in [1, {maximum}].");

    /// <summary>True when the file has metadata entry <paramref name="key"/>.</summary>
    public bool Has(string key) => _metadata.ContainsKey(key);

    /// <summary>Runs the graph. Inputs are read and outputs written in place (ONNX Runtime gets the
    /// managed memory pinned): no copies on either side.</summary>
    public void Run(IReadOnlyList<OnnxInput> inputs, IReadOnlyList<OnnxOutput> outputs)
    {
        var values = new List<OrtValue>(inputs.Count + outputs.Count);
        try
        {
            foreach (var input in inputs) values.Add(input.Create());
            foreach (var output in outputs) values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, output.Destination, output.Shape));
            using var runOptions = new RunOptions();
            _session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values.Take(inputs.Count).ToArray(),
                outputs.Select(o => o.Name).ToArray(), values.Skip(inputs.Count).ToArray());
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Closes the session.</summary>
    public void Dispose() => _session.Dispose();
}

/// <summary>A graph input over float or int64 memory of the given shape.</summary>
internal readonly struct OnnxInput
{
    private readonly Func<OrtValue> _create;

    private OnnxInput(string name, Func<OrtValue> create) => (Name, _create) = (name, create);

    public string Name { get; }

    public static OnnxInput Of(string name, Memory<float> values, params long[] shape) =>
        new(name, () => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, values, shape));

    public static OnnxInput Of(string name, Memory<long> values, params long[] shape) =>
        new(name, () => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, values, shape));

    public OrtValue Create() => _create();
}

/// <summary>A float graph output written into <paramref name="Destination"/>, which has the output's exact shape.</summary>
internal readonly record struct OnnxOutput(string Name, Memory<float> Destination, long[] Shape);
