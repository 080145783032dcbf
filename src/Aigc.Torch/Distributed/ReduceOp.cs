namespace Aigc.Torch.Distributed;

/// <summary>How <see cref="ProcessGroup.AllReduce(IReadOnlyList{Tensor}, ReduceOp, long)"/> combines the ranks' values.</summary>
public enum ReduceOp
{
    /// <summary>The sum over ranks.</summary>
    Sum = 0,

    /// <summary>The sum divided by the world size.</summary>
    Average = 1,

    /// <summary>The largest value over ranks.</summary>
    Max = 2,
}
