using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Aigc.Torch.Optim;

namespace Aigc.MLNet.Diffusion;

/// <summary>One diffusion step: noise a batch to uniformly drawn steps, predict ε (or v) with the
/// U-Net (labels dropped to "no label" with the label-dropout probability), MSE, Adam, clipping,
/// then fold the weights into their moving average.</summary>
internal sealed class DiffusionTrainingTask : ITrainingTask, IDisposable
{
    private readonly UNet _net;
    private readonly UNet _sampler;
    private readonly DiffusionOptions _options;
    private readonly NoiseSchedule _schedule;
    private readonly (int C, int H, int W) _shape;
    private readonly Device _device;
    private readonly Adam _optimizer;
    private readonly ExponentialMovingAverage _ema;
    private readonly Tensor _sqrtAbar, _sqrtOneMinusAbar;
    private readonly bool _writeGrids;
    private long _step;

    // sampler: a network of the same shape that receives the averaged weights, for sample grids and the result.
    // writeGrids: false on all but rank 0 of a data-parallel run, so one process writes the sample grids.
    public DiffusionTrainingTask(UNet net, UNet sampler, DiffusionOptions options, NoiseSchedule schedule, (int C, int H, int W) shape, Device device,
        bool writeGrids = true)
    {
        (_net, _sampler, _options, _schedule, _shape, _device, _writeGrids) = (net, sampler, options, schedule, shape, device, writeGrids);
        _optimizer = new Adam(net.Parameters(), options.LearningRate);
        _ema = new ExponentialMovingAverage(net, options.EmaDecay);
        _sqrtAbar = Tensor.FromArray(schedule.SqrtAlphasCumprod.Select(v => (float)v).ToArray()).To(device).DetachFromDisposeScope();
        _sqrtOneMinusAbar = Tensor.FromArray(schedule.SqrtOneMinusAlphasCumprod.Select(v => (float)v).ToArray()).To(device).DetachFromDisposeScope();
    }

    public IReadOnlyList<Optimizer> Optimizers => [_optimizer];

    public IReadOnlyList<string> BatchColumns => _options.LabelColumn is { } label ? [_options.InputColumn, label] : [_options.InputColumn];

    public IReadOnlyDictionary<string, double> TrainStep(Batch batch)
    {
        using var scope = DisposeScope.Enter();
        _net.Train();
        var x0 = batch[_options.InputColumn];
        long n = batch.Count;
        Tensor? labels = null;
        if (_options.LabelColumn is { } col)
        {
            labels = Labels.Check(batch[col], col, _options.NumClasses);
            if (_options.LabelDropout > 0)
                labels = labels.MaskedFill(Tensor.Rand([n], device: _device).Lt(_options.LabelDropout), _options.NumClasses);
        }
        var loss = Loss(x0, labels, Reduction.Mean);
        _optimizer.ZeroGrad();
        loss.Backward();
        _optimizer.AverageGradients(); // clip the averaged gradient, as with DDP
        if (_options.GradientClip > 0) GradClip.ClipGradNorm(_net.Parameters(), _options.GradientClip);
        _optimizer.Step();
        _ema.Update();
        _step++;
        if (_writeGrids && _options.SampleGridEveryNSteps > 0 && _step % _options.SampleGridEveryNSteps == 0) WriteGrid();
        return new Dictionary<string, double> { ["loss"] = loss.Item() };
    }

    // Noise x0 to uniformly drawn steps and score the network's prediction of ε (or v).
    private Tensor Loss(Tensor x0, Tensor? labels, Reduction reduction)
    {
        long n = x0.Size(0);
        var t = Tensor.RandInt(0, _schedule.Timesteps, [n], device: _device);
        var noise = Tensor.Randn(x0.Shape, device: _device);
        var a = _sqrtAbar.IndexSelect(0, t).View(n, 1, 1, 1);
        var s = _sqrtOneMinusAbar.IndexSelect(0, t).View(n, 1, 1, 1);
        var xt = x0 * a + noise * s;
        var target = _options.Prediction == PredictionKind.Epsilon ? noise : noise * a - x0 * s;
        return F.MseLoss(_net.Forward(xt, t, labels), target, reduction);
    }

    /// <summary>Copies the averaged weights into the sampling network.</summary>
    public void PublishAverage() => _ema.CopyTo(_sampler);

    private void WriteGrid()
    {
        PublishAverage();
        using var scope = DisposeScope.Enter();
        var labels = _options.LabelColumn is null ? null : Labels.Cycle(64, _options.NumClasses);
        var sampling = _options.Sampling with { Sampler = SamplerKind.Ddim, Steps = Math.Min(25, _schedule.Timesteps) };
        using var images = DiffusionTransformer.Generate(_sampler, _schedule, _options, _shape, 64, seed: 0, labels, sampling, _device, default);
        Directory.CreateDirectory(_options.SampleGridFolder!);
        ImageGrid.Save(Path.Combine(_options.SampleGridFolder!, $"samples-step-{_step}.png"), images, range: PixelRange.MinusOneToOne);
    }

    /// <summary>The training loss ("loss": mean squared error per value, labels not dropped) on held-out
    /// images, with the training network in evaluation mode.</summary>
    public IReadOnlyDictionary<string, double>? Validate(IDataView validation, int batchSize)
    {
        _net.Eval();
        try
        {
            int values = _shape.C * _shape.H * _shape.W;
            return HeldOut.Mean(validation, BatchColumns, batchSize, _device, batch =>
            {
                var labels = _options.LabelColumn is { } col ? Labels.Check(batch[col], col, _options.NumClasses) : null;
                return new Dictionary<string, double> { ["loss"] = Loss(batch[_options.InputColumn], labels, Reduction.Sum).Item() / values };
            });
        }
        finally
        {
            _net.Train();
        }
    }

    public IReadOnlyDictionary<string, Tensor> GetState()
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        StateDicts.AddPrefixed(state, "net", _net.StateDict());
        StateDicts.AddPrefixed(state, "optim", _optimizer.StateDict());
        StateDicts.AddPrefixed(state, "ema", _ema.StateDict());
        state["step"] = Tensor.Full([], _step, ScalarType.Int64).DetachFromDisposeScope();
        return state;
    }

    public void SetState(IReadOnlyDictionary<string, Tensor> state)
    {
        _net.LoadStateDict(StateDicts.Part(state, "net"));
        _optimizer.LoadStateDict(StateDicts.Part(state, "optim"));
        _ema.LoadStateDict(StateDicts.Part(state, "ema"));
        _step = state["step"].ItemInt64();
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _ema.Dispose();
        _sqrtAbar.Dispose();
        _sqrtOneMinusAbar.Dispose();
    }
}
