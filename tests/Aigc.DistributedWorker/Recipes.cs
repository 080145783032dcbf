using Aigc.MLNet;
using Aigc.MLNet.Data;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Aigc.Torch.Distributed;
using Aigc.Torch.Nn;
using Aigc.Torch.Optim;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.DistributedWorker;

/// <summary>The training runs the data-parallel tests compare: each runs the same in one process
/// (the reference) or as one rank of a group.</summary>
public static class Recipes
{
    /// <summary>Rows of the regression data; a multiple of every global batch the tests use.</summary>
    public const int Rows = 96;

    /// <summary>Trains a float64 MLP for <paramref name="steps"/> Adam steps of <paramref name="batch"/> rows per rank
    /// and returns its parameters, flattened. Rank 1 kills its own process after the backward pass of step
    /// <paramref name="failAtStep"/>, before the gradients are averaged.</summary>
    public static double[] Regression(ProcessGroup? group, int batch, int steps, string? checkpoint = null, long checkpointEvery = 0,
        int failAtStep = -1, bool resume = false)
    {
        var ml = new MLContext(seed: 5);
        var catalog = ml.Generative(new GenerativeOptions { Device = Device.Cpu, ProcessGroup = group });
        Engine.ManualSeed(17);
        using var task = new RegressionTask(group is { Rank: 1 } ? failAtStep : -1);
        // A test of the start-of-run check gives rank 1 another batch size through the environment.
        if (group is { Rank: 1 } && Environment.GetEnvironmentVariable("AIGC_TEST_RANK1_BATCH") is { } other) batch = int.Parse(other);
        var options = new TrainingOptions
        {
            BatchSize = batch, MaxSteps = steps, Epochs = 100, Shuffle = true, ReportEveryNSteps = 1000,
            CheckpointPath = checkpoint, CheckpointEveryNSteps = checkpointEvery, ResumeFromCheckpoint = resume,
        };
        new TrainingLoop(catalog, seed: 3).Run(task, RegressionData(ml), null, options);
        return task.Parameters();
    }

    /// <summary>The losses of a nano GPT trained on the start of the fortunes corpus, one per step.</summary>
    public static double[] Gpt(ProcessGroup? group, int batch, int steps, string corpus)
    {
        var ml = new MLContext(seed: 9);
        var catalog = ml.Generative(new GenerativeOptions { Device = Device.Cpu, ProcessGroup = group });
        var text = File.ReadAllText(corpus)[..20_000];
        var data = ml.Data.LoadFromEnumerable([new TextRow { Text = text }]);
        var losses = new List<double>();
        var options = CausalLMOptions.Nano with
        {
            MaxSteps = steps, BatchSize = batch, LearningRate = 3e-3, WarmupSteps = 5, ReportEveryNSteps = 1, Seed = 21,
        };
        using var model = catalog.Trainers.CausalLM(options).Fit(data, null, new Progress(p => { if (p.Losses.TryGetValue("loss", out var l)) losses.Add(l); }));
        return [.. losses];
    }

    private sealed class TextRow
    {
        public string Text { get; set; } = "";
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    private static IDataView RegressionData(MLContext ml)
    {
        var random = new Random(42);
        var rows = Enumerable.Range(0, Rows).Select(_ =>
        {
            var x = Enumerable.Range(0, 6).Select(_ => random.NextDouble() * 2 - 1).ToArray();
            return new RegressionRow { Features = x, Target = [Math.Sin(3 * x[0]) + x[1] * x[2] - 0.5 * x[5]] };
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows);
    }

    private sealed class RegressionRow
    {
        [VectorType(6)] public double[] Features { get; set; } = [];
        [VectorType(1)] public double[] Target { get; set; } = [];
    }

    private sealed class RegressionTask : ITrainingTask, IDisposable
    {
        private readonly Sequential _model = (Sequential)new Sequential(new Linear(6, 32), new Tanh(), new Linear(32, 32), new Tanh(), new Linear(32, 1))
            .To(Device.Cpu, ScalarType.Float64);
        private readonly Adam _optimizer;
        private readonly int _failAt;
        private int _steps;

        public RegressionTask(int failAt)
        {
            _failAt = failAt;
            _optimizer = new Adam(_model.Parameters(), 1e-2);
        }

        public IReadOnlyList<string> BatchColumns => ["Features", "Target"];

        public IReadOnlyList<Optimizer> Optimizers => [_optimizer];

        public IReadOnlyDictionary<string, double> TrainStep(Batch batch)
        {
            using var scope = DisposeScope.Enter();
            var loss = F.MseLoss(_model.Forward(batch["Features"]), batch["Target"]);
            _optimizer.ZeroGrad();
            loss.Backward();
            if (++_steps == _failAt) System.Diagnostics.Process.GetCurrentProcess().Kill();
            _optimizer.Step();
            return new Dictionary<string, double> { ["mse"] = loss.Item() };
        }

        public IReadOnlyDictionary<string, double>? Validate(IDataView validation, int batchSize) => null;

        public IReadOnlyDictionary<string, Tensor> GetState()
        {
            var state = _model.StateDict().ToDictionary(kv => "model." + kv.Key, kv => kv.Value);
            foreach (var (k, v) in _optimizer.StateDict()) state["optim." + k] = v;
            return state;
        }

        public void SetState(IReadOnlyDictionary<string, Tensor> state)
        {
            _model.LoadStateDict(state.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[6..], kv => kv.Value));
            _optimizer.LoadStateDict(state.Where(kv => kv.Key.StartsWith("optim.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[6..], kv => kv.Value));
        }

        public double[] Parameters() => [.. _model.Parameters().SelectMany(p => p.ToArray<double>())];

        public void Dispose()
        {
            _optimizer.Dispose();
            _model.Dispose();
        }
    }
}
