using System.Globalization;
using System.Runtime.InteropServices;

namespace Aigc.Torch.Onnx;

/// <summary>
/// Builds an ONNX inference graph (opset 17, IR version 8) and writes it as an <c>.onnx</c> file.
/// A network exports itself by replaying its forward pass here: each call adds the nodes of one
/// operation and returns the name of its output value, and weights become initializers named
/// after their state-dict keys. <see cref="OnnxModules"/> adds the layers of <c>Aigc.Torch.Nn</c>.
/// </summary>
public sealed class OnnxGraph
{
    /// <summary>The ONNX operator set the graphs use (17: the newest Debian's onnx 1.12 checks;
    /// it has LayerNormalization).</summary>
    public const int Opset = 17;

    /// <summary>The IR version that goes with <see cref="Opset"/>.</summary>
    public const int IrVersion = 8;

    private readonly List<ProtoMessage> _nodes = [], _initializers = [], _inputs = [], _outputs = [];
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>Starts an empty graph.</summary>
    public OnnxGraph(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>The graph's name.</summary>
    public string Name { get; }

    /// <summary>The number of nodes added so far.</summary>
    public int NodeCount => _nodes.Count;

    /// <summary>Declares a graph input and returns its name.</summary>
    public string Input(string name, OnnxElementType type, IReadOnlyList<OnnxDim> shape, string doc)
    {
        Claim(name);
        _inputs.Add(ValueInfo(name, type, shape, doc));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output called <paramref name="name"/>
    /// (through an Identity node when the names differ).</summary>
    public void Output(string value, string name, OnnxElementType type, IReadOnlyList<OnnxDim> shape, string doc)
    {
        if (value != name) AddNode("Identity", [value], [Claim(name)], []);
        _outputs.Add(ValueInfo(name, type, shape, doc));
    }

    /// <summary>Adds a float32 or int64 tensor's values as a constant input called <paramref name="name"/>
    /// (other dtypes are converted to float32).</summary>
    public string Initializer(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = DisposeScope.Enter();
        var cpu = tensor.Detach().To(Device.Cpu).Contiguous();
        return cpu.DType == ScalarType.Int64
            ? Initializer(name, cpu.ToArray<long>(), cpu.Shape)
            : Initializer(name, cpu.To(ScalarType.Float32).ToArray<float>(), cpu.Shape);
    }

    /// <summary>Adds float32 values of shape <paramref name="dims"/> as a constant input.</summary>
    public string Initializer(string name, float[] values, params long[] dims) =>
        AddInitializer(name, OnnxElementType.Float, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, dims);

    /// <summary>Adds int64 values of shape <paramref name="dims"/> as a constant input.</summary>
    public string Initializer(string name, long[] values, params long[] dims) =>
        AddInitializer(name, OnnxElementType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), values.Length, dims);

    /// <summary>A 1-D int64 constant (shapes, axes, indices).</summary>
    public string Ints(params long[] values) => Initializer(Fresh("const"), values, values.Length);

    /// <summary>A scalar float32 constant.</summary>
    public string Scalar(float value) => Initializer(Fresh("const"), [value]);

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    public string Op(string opType, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes) =>
        Op(opType, inputs, 1, attributes)[0];

    /// <summary>Adds a node with <paramref name="outputs"/> outputs and returns their names.</summary>
    public string[] Op(string opType, IReadOnlyList<string> inputs, int outputs, params OnnxAttribute[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        foreach (var input in inputs)
            if (input.Length > 0 && !_values.Contains(input))
                throw new ArgumentException($"{opType} reads '{input}', which no input, initializer or earlier node defines.", nameof(inputs));
        var names = new string[outputs];
        for (int i = 0; i < outputs; i++) names[i] = Claim(Fresh(opType.ToLowerInvariant()));
        AddNode(opType, inputs, names, attributes);
        return names;
    }

    /// <summary>The serialized <c>ModelProto</c>: this graph, the opset, a doc string and metadata.</summary>
    public byte[] ToModel(string docString, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (_outputs.Count == 0) throw new InvalidOperationException($"Graph '{Name}' has no outputs.");
        // GraphProto: node 1, name 2, initializer 5, doc_string 10, input 11, output 12.
        var graph = new ProtoMessage();
        foreach (var n in _nodes) graph.Message(1, n);
        graph.String(2, Name);
        foreach (var t in _initializers) graph.Message(5, t);
        graph.String(10, docString);
        foreach (var i in _inputs) graph.Message(11, i);
        foreach (var o in _outputs) graph.Message(12, o);
        // ModelProto: ir_version 1, producer_name 2, producer_version 3, doc_string 6, graph 7,
        // opset_import 8 (OperatorSetIdProto: domain 1, version 2), metadata_props 14 (key 1, value 2).
        var model = new ProtoMessage()
            .Int64(1, IrVersion)
            .String(2, "Aigc.MLNet")
            .String(3, typeof(OnnxGraph).Assembly.GetName().Version?.ToString(3) ?? "0")
            .String(6, docString)
            .Message(7, graph)
            .Message(8, new ProtoMessage().String(1, "").Int64(2, Opset));
        foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            model.Message(14, new ProtoMessage().String(1, key).String(2, value));
        return model.ToArray();
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically (a temporary file renamed
    /// over it), so a failure never leaves a half-written file.</summary>
    public void Save(string path, string docString, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = ToModel(docString, metadata);
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    private string AddInitializer(string name, OnnxElementType type, ReadOnlySpan<byte> data, long count, long[] dims)
    {
        long expected = dims.Aggregate(1L, (a, d) => a * d);
        if (expected != count)
            throw new ArgumentException($"Initializer '{name}' has {count} values but its shape [{string.Join(", ", dims)}] holds {expected}.", nameof(dims));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian.");
        Claim(name);
        // TensorProto: dims 1, data_type 2, name 8, raw_data 9.
        _initializers.Add(new ProtoMessage().Int64s(1, dims).Int64(2, (long)type).String(8, name).Bytes(9, data));
        return name;
    }

    private void AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, IReadOnlyList<OnnxAttribute> attributes)
    {
        // NodeProto: input 1, output 2, name 3, op_type 4, attribute 5.
        var node = new ProtoMessage();
        foreach (var i in inputs) node.String(1, i);
        foreach (var o in outputs) node.String(2, o);
        node.String(3, Fresh("node")).String(4, opType);
        foreach (var a in attributes) node.Message(5, a.ToProto());
        _nodes.Add(node);
    }

    private static ProtoMessage ValueInfo(string name, OnnxElementType type, IReadOnlyList<OnnxDim> shape, string doc)
    {
        // ValueInfoProto: name 1, type 2, doc_string 3. TypeProto: tensor_type 1 → (elem_type 1, shape 2 → dim 1).
        var dims = new ProtoMessage();
        foreach (var d in shape) dims.Message(1, d.ToProto());
        var tensorType = new ProtoMessage().Int64(1, (long)type).Message(2, dims);
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensorType)).String(3, doc);
    }

    private string Claim(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_values.Add(name)) throw new ArgumentException($"Graph '{Name}' already has a value called '{name}'.", nameof(name));
        return name;
    }

    /// <summary>A name no value of the graph has yet, from <paramref name="stem"/>.</summary>
    public string Fresh(string stem)
    {
        string name;
        do name = $"{stem}_{_counter++}"; while (_values.Contains(name));
        return name;
    }
}
