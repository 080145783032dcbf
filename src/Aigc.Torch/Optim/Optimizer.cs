using System.Globalization;
using Aigc.Torch.Distributed;
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

    /// <summary>The group whose ranks train these parameters data-parallel, or null (one process).
    /// When set, the gradients are averaged over the ranks before <see cref="Step"/> updates: while
    /// backward runs (bucket by bucket, as each bucket's gradients arrive) when <see cref="ZeroGrad"/>
    /// started the step, else all at once in <see cref="AverageGradients"/> — one reducer either way.</summary>
    public ProcessGroup? DataParallel
    {
        get => _dataParallel;
        set
        {
            if (ReferenceEquals(value, _dataParallel)) return;
            DropReducer();
            _dataParallel = value;
        }
    }

    /// <summary>The bucket size of the gradient all-reduce (<see cref="ProcessGroup.DefaultBucketBytes"/>;
    /// the first bucket reduced holds at most 1 MiB, so communication starts early in backward).</summary>
    public long GradientBucketBytes
    {
        get => _bucketBytes;
        set
        {
            _bucketBytes = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(GradientBucketBytes), value, "must be at least 1 byte");
            DropReducer();
        }
    }

    private ProcessGroup? _dataParallel;
    private GradientReducer? _reducer;
    private bool _reducerArmed;
    private long _bucketBytes = ProcessGroup.DefaultBucketBytes;
    private bool _gradientsAveraged;

    /// <summary>Averages the gradients over <see cref="DataParallel"/>'s ranks now, once per step: call it
    /// before anything that reads the gradients (clipping by norm); <see cref="Step"/> skips it when done.
    /// Does nothing in a single process.</summary>
    public void AverageGradients()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (DataParallel is not { } group || _gradientsAveraged) return;
        // Not armed (no zero-grad before backward): arming now makes finishing reduce every bucket at once.
        var reducer = Reducer(group);
        if (!_reducerArmed) reducer.Arm();
        _reducerArmed = false;
        reducer.Finish();
        _gradientsAveraged = true;
    }

    private GradientReducer Reducer(ProcessGroup group) =>
        _reducer ??= new GradientReducer(group, ReducedParameters(), _bucketBytes);

    // Frozen parameters never get gradients on any rank, so they take no part (and stay skipped by the update).
    private Parameter[] ReducedParameters() => [.. Groups.SelectMany(g => g.Parameters).Where(p => p.RequiresGrad)];

    private void DropReducer()
    {
        _reducer?.Dispose();
        _reducer = null;
        _reducerArmed = false;
    }

    /// <summary>Applies one update from the parameters' current gradients (averaged over the ranks
    /// first when <see cref="DataParallel"/> is set).</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        AverageGradients();
        _gradientsAveraged = false;
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
        _gradientsAveraged = false;
        if (DataParallel is { } group)
        {
            Reducer(group).Arm();
            _reducerArmed = true;
        }
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

    /// <summary>The whole optimiser state as tensors the caller owns: moments by
    /// "group.param.name", the step count as "step" and each group's learning rate as "lr.N".</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = StateTensors().ToDictionary(t => t.Key, t => t.Value.Detach().DetachFromDisposeScope(), StringComparer.Ordinal);
        state["step"] = Tensor.Full([], StepCount, ScalarType.Int64).DetachFromDisposeScope();
        for (int i = 0; i < Groups.Count; i++)
            state[$"lr.{i}"] = Tensor.Full([], Groups[i].LearningRate, ScalarType.Float64).DetachFromDisposeScope();
        return state;
    }

    /// <summary>Restores a <see cref="StateDict"/> of an optimiser over the same parameters.</summary>
    /// <exception cref="InvalidDataException">An entry does not fit this optimiser's parameters.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var (key, value) in state)
        {
            if (key == "step") StepCount = value.ItemInt64();
            else if (key.StartsWith("lr.", StringComparison.Ordinal) && int.TryParse(key.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out int g) && g < Groups.Count)
                Groups[g].LearningRate = value.Item();
            else if (!RestoreStateTensor(key, value))
                throw new InvalidDataException($"Optimizer state entry '{key}' does not match this optimizer's parameters.");
        }
    }

    /// <summary>Writes <see cref="StateDict"/> to a safetensors file (atomically).</summary>
    public void SaveState(string path)
    {
        var state = StateDict();
        try
        {
            SafeTensors.Save(path, state, new Dictionary<string, string> { ["optimizer"] = GetType().Name });
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote, for an optimiser over the same parameters.</summary>
    /// <exception cref="InvalidDataException">The file belongs to another optimiser or parameter layout.</exception>
    public void LoadState(string path)
    {
        using var file = SafeTensors.Load(path);
        if (!file.Metadata.TryGetValue("optimizer", out var kind) || kind != GetType().Name)
            throw new InvalidDataException($"{path}: optimizer state is for '{kind ?? "unknown"}', not {GetType().Name}.");
        LoadStateDict(file.Tensors);
    }

    /// <summary>Frees the state tensors.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DropReducer();
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
