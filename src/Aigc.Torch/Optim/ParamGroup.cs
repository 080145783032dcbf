using Aigc.Torch.Nn;

namespace Aigc.Torch.Optim;

/// <summary>Parameters that share a learning rate and weight decay inside one optimiser.</summary>
public sealed class ParamGroup
{
    /// <summary>Creates a group; null settings take the optimiser's defaults.</summary>
    public ParamGroup(IEnumerable<Parameter> parameters, double? learningRate = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
        LearningRateOverride = learningRate;
        WeightDecayOverride = weightDecay;
    }

    /// <summary>The parameters in this group.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    internal double? LearningRateOverride { get; }
    internal double? WeightDecayOverride { get; }

    /// <summary>The current learning rate (schedulers change it).</summary>
    public double LearningRate { get; set; }

    /// <summary>The learning rate the group started with; schedulers scale from it.</summary>
    public double InitialLearningRate { get; internal set; }

    /// <summary>The weight-decay coefficient.</summary>
    public double WeightDecay { get; set; }

    internal IntPtr[] Handles()
    {
        var handles = new IntPtr[Parameters.Count];
        for (int i = 0; i < handles.Length; i++) handles[i] = Parameters[i].Handle.DangerousGetHandle();
        return handles;
    }
}
