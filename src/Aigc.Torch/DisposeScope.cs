namespace Aigc.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost scope, and disposes
/// them all when it ends, so per-step temporaries never wait for the garbage collector.
/// Tensors that must outlive the scope are moved out with <see cref="Tensor.MoveToOuterScope"/>
/// or <see cref="Tensor.DetachFromDisposeScope"/>.
/// </summary>
/// <example><code>
/// using (var scope = DisposeScope.Enter())
/// {
///     var loss = F.MseLoss(model.Forward(x), y);
///     loss.Backward();
///     optimizer.Step();
/// } // every tensor created above is freed here
/// </code></example>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? t_current;

    private readonly List<Tensor> _tensors = new();
    private readonly Thread _owner = Thread.CurrentThread;
    private bool _disposed;

    private DisposeScope(DisposeScope? outer) => Outer = outer;

    /// <summary>The scope that was current when this one was entered.</summary>
    public DisposeScope? Outer { get; }

    /// <summary>The innermost scope on this thread, if any.</summary>
    public static DisposeScope? Current => t_current;

    /// <summary>Starts a scope that becomes current on this thread until disposed.</summary>
    public static DisposeScope Enter() => t_current = new DisposeScope(t_current);

    /// <summary>How many tensors this scope currently owns.</summary>
    public int Count => _tensors.Count(t => t.Scope == this);

    internal void Add(Tensor tensor)
    {
        tensor.Scope = this;
        _tensors.Add(tensor);
    }

    /// <summary>Disposes every tensor still owned by the scope and restores the outer scope.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Thread.CurrentThread != _owner)
            throw new InvalidOperationException("A DisposeScope must be disposed on the thread that entered it.");
        _disposed = true;
        foreach (var t in _tensors)
            if (t.Scope == this) t.Dispose();
        _tensors.Clear();
        if (t_current == this) t_current = Outer;
    }
}
