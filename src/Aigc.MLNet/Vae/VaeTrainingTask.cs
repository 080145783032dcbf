using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Aigc.Torch.Optim;

namespace Aigc.MLNet.Vae;

/// <summary>Plugs a VAE into the shared training loop: one Adam step on the negative ELBO.</summary>
internal sealed class VaeTrainingTask(VaeModule model, VaeOptions options, Device device) : ITrainingTask, IDisposable
{
    private readonly Adam _optimizer = new(model.Parameters(), options.LearningRate);

    public IReadOnlyList<string> BatchColumns => [options.InputColumn];

    public IReadOnlyList<Optimizer> Optimizers => [_optimizer];

    /// <summary>Summed over the batch (as the PyTorch example does): reconstruction and KL terms.</summary>
    internal static (Tensor Reconstruction, Tensor Kl) Loss(VaeModule model, Tensor x, VaeOptions options, bool sample)
    {
        var (recon, mu, logVar) = model.Forward(x, sample);
        var rec = options.Loss == ReconstructionLoss.BinaryCrossEntropy
            ? F.BinaryCrossEntropy(recon, x, reduction: Reduction.Sum)
            : F.MseLoss(recon, x, Reduction.Sum);
        var kl = (1 + logVar - mu.Square() - logVar.Exp()).Sum() * -0.5; // KL(N(μ, σ²) ‖ N(0, I))
        return (rec, kl);
    }

    public IReadOnlyDictionary<string, double> TrainStep(Batch batch)
    {
        using var scope = DisposeScope.Enter();
        model.Train();
        var (rec, kl) = Loss(model, batch[options.InputColumn], options, sample: true);
        var loss = rec + kl * options.Beta;
        _optimizer.ZeroGrad();
        loss.Backward();
        _optimizer.Step();
        double n = batch.Count;
        return new Dictionary<string, double> { ["loss"] = loss.Item() / n, ["reconstruction"] = rec.Item() / n, ["kl"] = kl.Item() / n };
    }

    public IReadOnlyDictionary<string, double>? Validate(IDataView validation, int batchSize) =>
        NegativeElbo(model, options, device, validation, batchSize);

    /// <summary>Negative ELBO per image on held-out data, with z sampled as in training.</summary>
    internal static Dictionary<string, double> NegativeElbo(VaeModule model, VaeOptions options, Device device, IDataView data, int batchSize)
    {
        model.Eval();
        using var noGrad = Engine.NoGrad();
        var batcher = new Batcher(data.Schema, [options.InputColumn], batchSize, device);
        using var cursor = data.GetRowCursor(batcher.Columns);
        double rec = 0, kl = 0;
        long n = 0;
        while (batcher.Next(cursor) is { } batch)
        {
            using (batch)
            using (var scope = DisposeScope.Enter())
            {
                var (r, k) = Loss(model, batch[options.InputColumn], options, sample: true);
                rec += r.Item();
                kl += k.Item();
            }
            n += batch.Count;
        }
        if (n == 0) throw new ArgumentException("The data has no rows.", nameof(data));
        return new Dictionary<string, double> { ["loss"] = (rec + options.Beta * kl) / n, ["reconstruction"] = rec / n, ["kl"] = kl / n };
    }

    public IReadOnlyDictionary<string, Tensor> GetState()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        StateDicts.AddPrefixed(state, "model", model.StateDict());
        StateDicts.AddPrefixed(state, "optim", _optimizer.StateDict());
        return state;
    }

    public void SetState(IReadOnlyDictionary<string, Tensor> state)
    {
        model.LoadStateDict(StateDicts.Part(state, "model"));
        _optimizer.LoadStateDict(StateDicts.Part(state, "optim"));
    }

    public void Dispose() => _optimizer.Dispose();
}
