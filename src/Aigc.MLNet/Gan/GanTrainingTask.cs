using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Aigc.Torch.Optim;

namespace Aigc.MLNet.Gan;

/// <summary>One GAN step: a discriminator update on real and generated images, then a generator
/// update with the non-saturating loss −log D(G(z)).</summary>
internal sealed class GanTrainingTask : ITrainingTask, IDisposable
{
    private readonly DcganGenerator _g;
    private readonly DcganDiscriminator _d;
    private readonly GanOptions _options;
    private readonly Device _device;
    private readonly Adam _optG, _optD;
    private readonly bool _writeGrids;
    private long _step;

    // writeGrids: false on all but rank 0 of a data-parallel run, so one process writes the sample grids.
    public GanTrainingTask(DcganGenerator g, DcganDiscriminator d, GanOptions options, Device device, bool writeGrids = true)
    {
        (_g, _d, _options, _device, _writeGrids) = (g, d, options, device, writeGrids);
        _optG = new Adam(g.Parameters(), options.LearningRate, options.Beta1, options.Beta2);
        _optD = new Adam(d.Parameters(), options.LearningRate, options.Beta1, options.Beta2);
    }

    public IReadOnlyList<Optimizer> Optimizers => [_optD, _optG];

    public IReadOnlyList<string> BatchColumns => _options.LabelColumn is { } label ? [_options.InputColumn, label] : [_options.InputColumn];

    public IReadOnlyDictionary<string, double> TrainStep(Batch batch)
    {
        using var scope = DisposeScope.Enter();
        _g.Train();
        _d.Train();
        var real = batch[_options.InputColumn];
        var labels = _options.LabelColumn is { } col ? Labels.Check(batch[col], col, _options.NumClasses) : null;
        int n = batch.Count;
        var z = Tensor.Randn([n, _options.LatentDim], device: _device);
        var fake = _g.Forward(z, labels);

        var dReal = _d.Forward(real, labels);
        var dFake = _d.Forward(fake.Detach(), labels);
        var realTarget = Tensor.Full([n], 1 - _options.RealLabelSmoothing, device: _device);
        var fakeTarget = Tensor.Zeros([n], device: _device);
        var dLoss = F.BinaryCrossEntropyWithLogits(dReal, realTarget) + F.BinaryCrossEntropyWithLogits(dFake, fakeTarget);
        _optD.ZeroGrad();
        dLoss.Backward();
        _optD.Step();

        var gLoss = F.BinaryCrossEntropyWithLogits(_d.Forward(fake, labels), Tensor.Ones([n], device: _device));
        _optG.ZeroGrad();
        gLoss.Backward();
        _optG.Step();

        _step++;
        if (_writeGrids && _options.SampleGridEveryNSteps > 0 && _step % _options.SampleGridEveryNSteps == 0) WriteGrid();
        return new Dictionary<string, double>
        {
            ["d_loss"] = dLoss.Item(),
            ["g_loss"] = gLoss.Item(),
            ["d_real"] = dReal.Sigmoid().Mean().Item(), // mean D(x)
            ["d_fake"] = dFake.Sigmoid().Mean().Item(), // mean D(G(z)) before the generator update
        };
    }

    private void WriteGrid()
    {
        using var scope = DisposeScope.Enter();
        using var noGrad = Engine.NoGrad();
        _g.Eval();
        var z = Tensor.FromArray(Gaussian.Sample(64 * _options.LatentDim, seed: 0), 64, _options.LatentDim).To(_device);
        // Int64 ids, as the label embedding needs.
        var labels = _options.LabelColumn is null ? null : Tensor.FromArray(Labels.Cycle(64, _options.NumClasses), 64).To(_device);
        Directory.CreateDirectory(_options.SampleGridFolder!);
        ImageGrid.Save(Path.Combine(_options.SampleGridFolder!, $"samples-step-{_step}.png"), _g.Forward(z, labels), range: PixelRange.MinusOneToOne);
        _g.Train();
    }

    /// <summary>On held-out real images: mean D(x) ("d_real"), and for as many generated images mean
    /// D(G(z)) ("d_fake") and the generator's loss ("g_loss"). Both networks in evaluation mode.</summary>
    public IReadOnlyDictionary<string, double>? Validate(IDataView validation, int batchSize)
    {
        _g.Eval();
        _d.Eval();
        try
        {
            return HeldOut.Mean(validation, BatchColumns, batchSize, _device, batch =>
            {
                var labels = _options.LabelColumn is { } col ? Labels.Check(batch[col], col, _options.NumClasses) : null;
                int n = batch.Count;
                var dReal = _d.Forward(batch[_options.InputColumn], labels);
                var dFake = _d.Forward(_g.Forward(Tensor.Randn([n, _options.LatentDim], device: _device), labels), labels);
                var gLoss = F.BinaryCrossEntropyWithLogits(dFake, Tensor.Ones([n], device: _device), reduction: Reduction.Sum);
                return new Dictionary<string, double>
                {
                    ["d_real"] = dReal.Sigmoid().Sum().Item(),
                    ["d_fake"] = dFake.Sigmoid().Sum().Item(),
                    ["g_loss"] = gLoss.Item(),
                };
            });
        }
        finally
        {
            _g.Train();
            _d.Train();
        }
    }

    public IReadOnlyDictionary<string, Tensor> GetState()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        StateDicts.AddPrefixed(state, "g", _g.StateDict());
        StateDicts.AddPrefixed(state, "d", _d.StateDict());
        StateDicts.AddPrefixed(state, "opt_g", _optG.StateDict());
        StateDicts.AddPrefixed(state, "opt_d", _optD.StateDict());
        state["step"] = Tensor.Full([], _step, ScalarType.Int64).DetachFromDisposeScope();
        return state;
    }

    public void SetState(IReadOnlyDictionary<string, Tensor> state)
    {
        _g.LoadStateDict(StateDicts.Part(state, "g"));
        _d.LoadStateDict(StateDicts.Part(state, "d"));
        _optG.LoadStateDict(StateDicts.Part(state, "opt_g"));
        _optD.LoadStateDict(StateDicts.Part(state, "opt_d"));
        _step = state["step"].ItemInt64();
    }

    public void Dispose()
    {
        _optG.Dispose();
        _optD.Dispose();
    }
}
