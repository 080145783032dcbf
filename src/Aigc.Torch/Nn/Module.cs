using System.Collections.Concurrent;
using System.Reflection;

namespace Aigc.Torch.Nn;

/// <summary>
/// A neural-network building block. Parameters (<see cref="Parameter"/> fields), buffers (other
/// <see cref="Tensor"/> fields) and submodules (<see cref="Module"/> fields) are discovered from
/// the fields themselves, in declaration order, so a model needs no registration code. Keys are
/// the field names without a leading underscore, or <see cref="StateNameAttribute"/>'s name,
/// joined with dots: <c>h.0.attn.c_attn.weight</c>.
/// </summary>
public abstract class Module : IDisposable
{
    private static readonly ConcurrentDictionary<Type, (FieldInfo Field, string Name)[]> s_fields = new();
    private bool _disposed;

    /// <summary>True in training mode (dropout active, batch norm uses batch statistics).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>The direct components of this module: (name, Parameter | Tensor | Module | null).
    /// Containers override it to list their items.</summary>
    protected virtual IEnumerable<(string Name, object? Value)> Components()
    {
        foreach (var (field, name) in s_fields.GetOrAdd(GetType(), DiscoverFields))
            yield return (name, field.GetValue(this));
    }

    private static (FieldInfo, string)[] DiscoverFields(Type type)
    {
        var chain = new Stack<Type>();
        for (var t = type; t is not null && t != typeof(Module); t = t.BaseType) chain.Push(t);
        var result = new List<(FieldInfo, string)>();
        foreach (var t in chain)
        {
            var flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
            foreach (var f in t.GetFields(flags).OrderBy(f => f.MetadataToken))
            {
                if (!typeof(Tensor).IsAssignableFrom(f.FieldType) && !typeof(Module).IsAssignableFrom(f.FieldType)) continue;
                if (f.IsDefined(typeof(NotStateAttribute))) continue;
                result.Add((f, StateName(f)));
            }
        }
        return result.ToArray();
    }

    private static string StateName(FieldInfo f)
    {
        var attr = f.GetCustomAttribute<StateNameAttribute>();
        if (attr is not null) return attr.Name;
        var name = f.Name;
        if (name.StartsWith('<'))
        {
            // Auto-property backing field "<Name>k__BackingField": honour the property's attribute.
            name = name[1..name.IndexOf('>')];
            var prop = f.DeclaringType!.GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            var propAttr = prop?.GetCustomAttribute<StateNameAttribute>();
            if (propAttr is not null) return propAttr.Name;
        }
        return name.TrimStart('_');
    }

    /// <summary>Direct submodules with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() =>
        Components().Where(c => c.Value is Module).Select(c => (c.Name, (Module)c.Value!));

    /// <summary>All parameters, recursively, with dotted names.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters() =>
        Walk<Parameter>(static v => v is Parameter p ? p : null);

    /// <summary>All buffers (non-parameter tensors such as batch-norm statistics), recursively.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers() =>
        Walk<Tensor>(static v => v is Tensor t && v is not Parameter ? t : null);

    /// <summary>All parameters, recursively.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    private IEnumerable<(string, T)> Walk<T>(Func<object?, T?> pick, string prefix = "") where T : class
    {
        foreach (var (name, value) in Components())
        {
            if (value is Module child)
            {
                foreach (var item in child.Walk(pick, prefix + name + "."))
                    yield return item;
            }
            else if (pick(value) is { } hit)
            {
                yield return (prefix + name, hit);
            }
        }
    }

    /// <summary>The number of scalar parameters.</summary>
    public long ParameterCount() => Parameters().Sum(p => p.NumberOfElements);

    /// <summary>Sets training mode here and in every submodule.</summary>
    public Module Train(bool training = true)
    {
        Training = training;
        foreach (var (_, child) in NamedChildren()) child.Train(training);
        return this;
    }

    /// <summary>Sets evaluation mode (dropout off, running statistics used).</summary>
    public Module Eval() => Train(false);

    /// <summary>Moves every parameter and buffer to <paramref name="device"/>, converting floating-point
    /// ones to <paramref name="dtype"/> when given. Parameter objects keep their identity, so
    /// optimisers built before the move still hold them.</summary>
    public Module To(Device device, ScalarType? dtype = null)
    {
        using var noGrad = Engine.NoGrad();
        foreach (var (_, p) in NamedParameters())
        {
            bool requiresGrad = p.RequiresGrad;
            var moved = p.To(device, dtype is { } d && p.DType.IsFloatingPoint() ? d : p.DType);
            p.ReplaceWith(moved);
            p.RequiresGrad = requiresGrad;
        }
        foreach (var (_, b) in NamedBuffers())
            b.ReplaceWith(b.To(device, dtype is { } d && b.DType.IsFloatingPoint() ? d : b.DType));
        return this;
    }

    /// <summary>Drops (or zeroes) the gradients of every parameter.</summary>
    public void ZeroGrad(bool setToNone = true) => Optim.Optimizer.ZeroGradients(Parameters().ToList(), setToNone);

    /// <summary>Parameters and buffers by key, as new handles sharing this module's storage
    /// (dispose them when done; the module is unaffected).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in NamedParameters()) state[name] = p.Detach().DetachFromDisposeScope();
        foreach (var (name, b) in NamedBuffers()) state[name] = b.Detach().DetachFromDisposeScope();
        return state;
    }

    /// <summary>Copies values from <paramref name="state"/> into this module's parameters and buffers.</summary>
    /// <param name="state">Tensors by key (device and dtype are converted as needed).</param>
    /// <param name="strict">When true, a missing or unexpected key is an error.</param>
    /// <returns>The keys this module has that the state lacked, and the state's keys it did not use.</returns>
    /// <exception cref="ArgumentException">A shape differs, or (strict) a key is missing or unexpected.</exception>
    public (IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected) LoadStateDict(
        IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var targets = NamedParameters().Select(p => (p.Name, (Tensor)p.Parameter)).Concat(NamedBuffers()).ToList();
        var missing = targets.Where(t => !state.ContainsKey(t.Item1)).Select(t => t.Item1).ToList();
        var known = targets.Select(t => t.Item1).ToHashSet(StringComparer.Ordinal);
        var unexpected = state.Keys.Where(k => !known.Contains(k)).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new ArgumentException(
                $"State dict does not match {GetType().Name}: missing keys [{string.Join(", ", missing)}], unexpected keys [{string.Join(", ", unexpected)}].",
                nameof(state));
        foreach (var (name, target) in targets)
        {
            if (!state.TryGetValue(name, out var source)) continue;
            var want = target.Shape;
            var got = source.Shape;
            if (!want.SequenceEqual(got))
                throw new ArgumentException(
                    $"Shape mismatch for '{name}': the module has [{string.Join(", ", want)}], the state dict has [{string.Join(", ", got)}].",
                    nameof(state));
        }
        using var noGrad = Engine.NoGrad();
        foreach (var (name, target) in targets)
            if (state.TryGetValue(name, out var source)) target.CopyFrom(source);
        return (missing, unexpected);
    }

    /// <summary>Frees every parameter and buffer, recursively.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, value) in Components())
        {
            if (value is Module m) m.Dispose();
            else if (value is Tensor t) t.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>A module with a typed forward pass.</summary>
public abstract class Module<TInput, TOutput> : Module
{
    /// <summary>Computes the module's output.</summary>
    public abstract TOutput Forward(TInput input);
}
