using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Aigc.Torch.Optim;

namespace Aigc.MLNet.LanguageModels;

/// <summary>Plugs a language model into the shared loop: next-token cross-entropy on windows of
/// tokens, AdamW with decay on matrices only, warmup + cosine schedule, gradient clipping.</summary>
internal sealed class CausalLMTrainingTask : ITrainingTask, IDisposable
{
    private readonly LanguageModule _model;
    private readonly CausalLMOptions _options;
    private readonly Device _device;
    private readonly AdamW _optimizer;
    private readonly WarmupCosineSchedule _schedule;

    public CausalLMTrainingTask(LanguageModule model, CausalLMOptions options, long totalSteps, Device device)
    {
        (_model, _options, _device) = (model, options, device);
        // As nanoGPT: weight matrices and embeddings decay; biases and LayerNorm gains do not.
        var parameters = model.Parameters().ToList();
        _optimizer = new AdamW(
            [new ParamGroup(parameters.Where(p => p.Dim >= 2), weightDecay: options.WeightDecay),
             new ParamGroup(parameters.Where(p => p.Dim < 2), weightDecay: 0)],
            options.LearningRate, options.Beta1, options.Beta2);
        _schedule = new WarmupCosineSchedule(_optimizer, Math.Min(options.WarmupSteps, totalSteps - 1), totalSteps, options.MinLearningRateFactor);
    }

    public IReadOnlyList<string> BatchColumns => [TokenWindows.ColumnName];

    public IReadOnlyList<Optimizer> Optimizers => [_optimizer];

    /// <summary>Mean next-token cross-entropy of (B, T + 1) windows.</summary>
    internal static Tensor Loss(LanguageModule model, Tensor windows, bool mixedPrecision)
    {
        long t = windows.Size(1) - 1;
        var x = windows.Narrow(1, 0, t);
        var y = windows.Narrow(1, 1, t);
        using var autocast = mixedPrecision && windows.Device.Type == DeviceType.Cuda ? Engine.Autocast() : null;
        var logits = model.Forward(x);
        return F.CrossEntropy(logits.Reshape(-1, logits.Size(2)).To(ScalarType.Float32), y.Reshape(-1));
    }

    public IReadOnlyDictionary<string, double> TrainStep(Batch batch)
    {
        using var scope = DisposeScope.Enter();
        _model.Train();
        var loss = Loss(_model, batch[TokenWindows.ColumnName], _options.MixedPrecision);
        _optimizer.ZeroGrad();
        loss.Backward();
        _optimizer.AverageGradients(); // the norm clipped is that of the averaged gradient, as with DDP
        double norm = _options.GradientClip > 0 ? GradClip.ClipGradNorm(_model.Parameters(), _options.GradientClip) : double.NaN;
        _optimizer.Step();
        double lr = _optimizer.Groups[0].LearningRate;
        _schedule.Step();
        var result = new Dictionary<string, double> { ["loss"] = loss.Item(), ["lr"] = lr };
        if (!double.IsNaN(norm)) result["grad_norm"] = norm;
        return result;
    }

    public IReadOnlyDictionary<string, double>? Validate(IDataView validation, int batchSize)
    {
        double loss = MeanLoss(_model, validation, batchSize, _options.MaxValidationWindows, _device, _options.MixedPrecision);
        return new Dictionary<string, double> { ["loss"] = loss, ["perplexity"] = Math.Exp(loss) };
    }

    /// <summary>The mean next-token loss over windows of <paramref name="windows"/> (in order, at most <paramref name="maxWindows"/>).</summary>
    internal static double MeanLoss(LanguageModule model, IDataView windows, int batchSize, int? maxWindows, Device device, bool mixedPrecision)
    {
        // Restore the caller's mode: a loaded model stays in evaluation mode (concurrent generation
        // on it must never see dropout switched on).
        bool wasTraining = model.Training;
        if (wasTraining) model.Eval();
        try
        {
            using var noGrad = Engine.NoGrad();
            var batcher = new Batcher(windows.Schema, [TokenWindows.ColumnName], batchSize, device);
            using var cursor = windows.GetRowCursor(batcher.Columns);
            double sum = 0;
            long n = 0;
            while ((maxWindows is not { } max || n < max) && batcher.Next(cursor) is { } batch)
            {
                using (batch)
                using (var scope = DisposeScope.Enter())
                {
                    var w = batch[TokenWindows.ColumnName];
                    int take = maxWindows is { } m ? (int)Math.Min(batch.Count, m - n) : batch.Count;
                    if (take < batch.Count) w = w.Narrow(0, 0, take);
                    sum += Loss(model, w, mixedPrecision).Item() * take;
                    n += take;
                }
            }
            if (n == 0) throw new ArgumentException("The validation text is shorter than one window.", nameof(windows));
            return sum / n;
        }
        finally
        {
            if (wasTraining) model.Train();
        }
    }

    public IReadOnlyDictionary<string, Tensor> GetState()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        StateDicts.AddPrefixed(state, "model", _model.StateDict());
        StateDicts.AddPrefixed(state, "optim", _optimizer.StateDict());
        state["schedule.step"] = Tensor.Scalar(_schedule.CurrentStep, ScalarType.Int64).DetachFromDisposeScope();
        return state;
    }

    public void SetState(IReadOnlyDictionary<string, Tensor> state)
    {
        _model.LoadStateDict(StateDicts.Part(state, "model"));
        _optimizer.LoadStateDict(StateDicts.Part(state, "optim"));
        _schedule.SetStep((long)state["schedule.step"].Item());
    }

    public void Dispose() => _optimizer.Dispose();
}
