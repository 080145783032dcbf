namespace Aigc.Torch.Nn;

/// <summary>
/// A trainable tensor owned by a <see cref="Module"/>: a leaf of the autograd graph that
/// optimisers update. Parameters never join a <see cref="DisposeScope"/>; the module disposes them.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Creates a parameter sharing <paramref name="data"/>'s storage (the caller keeps
    /// ownership of <paramref name="data"/> itself).</summary>
    public Parameter(Tensor data, bool requiresGrad = true) : base(Detached(data)) => RequiresGrad = requiresGrad;

    private static Tensor Detached(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.Detach();
    }
}

/// <summary>Gives a module field the state-dict key <see cref="Name"/> instead of its field name.</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class StateNameAttribute(string name) : Attribute
{
    /// <summary>The key used in state dicts (e.g. "running_mean").</summary>
    public string Name { get; } = name;
}

/// <summary>Keeps a Tensor, Parameter or Module field out of the module's state and children.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class NotStateAttribute : Attribute;
