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

    /// <summary>Runs the graph on float or int64 inputs and returns the named float outputs.</summary>
    public float[][] Run(IReadOnlyList<(string Name, Array Values, long[] Shape)> inputs, params string[] outputs)
    {
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var (_, data, shape) in inputs)
                values.Add(data switch
                {
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, shape),
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, shape),
                    _ => throw new ArgumentException($"Unsupported input element type {data.GetType().Name}.", nameof(inputs)),
                });
            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, outputs);
            return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    /// <summary>Closes the session.</summary>
    public void Dispose() => _session.Dispose();
}
