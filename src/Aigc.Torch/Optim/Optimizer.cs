using System.Globalization;
using Aigc.Torch.Native;
using Aigc.Torch.Nn;
using Aigc.Torch.Serialization;

namespace Aigc.Torch.Optim;

/// <summary>
/// Base of the optimisers. An update of a whole parameter group is one native call, following
/// torch.optim's arithmetic operation for operation. State (moment buffers, step counts) is
/// plain tensors, saved and restored with <see cref="SaveState"/> / <see cref="LoadState"/>.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private bool _disposed;

    /// <summary>Builds the groups, filling unset settings with the defaults.</summary>
    protected Optimizer(IEnumerable<ParamGroup> groups, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be >= 0");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0");
        Groups = [.. groups];
        if (Groups.Count == 0 || Groups.All(g => g.Parameters.Count == 0))
            throw new ArgumentException("The optimiser got no parameters.", nameof(groups));
        foreach (var g in Groups)
        {
            g.LearningRate = g.InitialLearningRate = g.LearningRateOverride ?? learningRate;
            g.WeightDecay = g.WeightDecayOverride ?? weightDecay;
        }
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParamGroup> Groups { get; }

    /// <summary>Updates completed so far.</summary>
    public long StepCount { get; protected set; }

    /// <summary>Applies one update from the parameters' current gradients.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        StepCount++;
        for (int i = 0; i < Groups.Count; i++)
        {
            var handles = Groups[i].Handles();
            StepGroup(i, Groups[i], handles);
            GC.KeepAlive(Groups[i]);
        }
    }

    /// <summary>Updates one group; <paramref name="handles"/> are its parameters' native handles.</summary>
    protected abstract void StepGroup(int index, ParamGroup group, IntPtr[] handles);

    /// <summary>Drops (or zeroes) every parameter's gradient.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var g in Groups) ZeroGradients(g.Parameters, setToNone);
    }

    internal static void ZeroGradients(IReadOnlyList<Parameter> parameters, bool setToNone)
    {
        var handles = new IntPtr[parameters.Count];
        for (int i = 0; i < handles.Length; i++) handles[i] = parameters[i].Handle.DangerousGetHandle();
        NativeStatus.Check(AutogradNative.Autograd_zero_grad(handles, handles.Length, setToNone ? 1 : 0));
        GC.KeepAlive(parameters);
    }

    /// <summary>The state tensors keyed "group.param.name" (e.g. "0.3.exp_avg").</summary>
    protected abstract IEnumerable<(string Key, Tensor Value)> StateTensors();

    /// <summary>Replaces a state tensor by key; returns false for an unknown key.</summary>
    protected abstract bool RestoreStateTensor(string key, Tensor value);

    /// <summary>Writes step count, learning rates and state tensors to a safetensors file.</summary>
    public void SaveState(string path)
    {
        var metadata = new Dictionary<string, string>
        {
            ["optimizer"] = GetType().Name,
            ["step"] = StepCount.ToString(CultureInfo.InvariantCulture),
        };
        for (int i = 0; i < Groups.Count; i++)
            metadata[$"lr.{i}"] = Groups[i].LearningRate.ToString("R", CultureInfo.InvariantCulture);
        var tensors = StateTensors().ToDictionary(t => t.Key, t => t.Value);
        SafeTensors.Save(path, tensors, metadata);
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote, for an optimiser over the same parameters.</summary>
    /// <exception cref="InvalidDataException">The file belongs to another optimiser or parameter layout.</exception>
    public void LoadState(string path)
    {
        var file = SafeTensors.Load(path);
        try
        {
            if (!file.Metadata.TryGetValue("optimizer", out var kind) || kind != GetType().Name)
                throw new InvalidDataException($"{path}: optimizer state is for '{kind ?? "unknown"}', not {GetType().Name}.");
            StepCount = long.Parse(file.Metadata["step"], CultureInfo.InvariantCulture);
            for (int i = 0; i < Groups.Count; i++)
                if (file.Metadata.TryGetValue($"lr.{i}", out var lr))
                    Groups[i].LearningRate = double.Parse(lr, CultureInfo.InvariantCulture);
            foreach (var (key, value) in file.Tensors)
                if (!RestoreStateTensor(key, value))
                    throw new InvalidDataException($"{path}: state entry '{key}' does not match this optimizer's parameters.");
        }
        finally
        {
            file.Dispose();
        }
    }

    /// <summary>Frees the state tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, t) in StateTensors()) t.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Parses "group.param.name" keys.</summary>
    protected bool TryParseKey(string key, string name, out int group, out int param)
    {
        group = param = -1;
        var parts = key.Split('.');
        return parts.Length == 3 && parts[2] == name
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out group)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out param)
            && group < Groups.Count && param < Groups[group].Parameters.Count;
    }

    /// <summary>Copies a loaded state tensor into place, checking the shape against the parameter.</summary>
    protected Tensor AdoptState(Tensor? existing, Tensor loaded, Parameter owner)
    {
        if (!owner.Shape.SequenceEqual(loaded.Shape))
            throw new InvalidDataException($"Optimizer state of shape [{string.Join(", ", loaded.Shape)}] does not fit a parameter of shape [{string.Join(", ", owner.Shape)}].");
        existing?.Dispose();
        return loaded.To(owner.Device, owner.DType).DetachFromDisposeScope();
    }

    /// <summary>A group wrapping all parameters of a module.</summary>
    protected static IEnumerable<ParamGroup> Single(IEnumerable<Parameter> parameters) => [new ParamGroup(parameters)];
}
