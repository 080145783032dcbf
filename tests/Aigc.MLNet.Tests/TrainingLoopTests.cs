using Aigc.MLNet.Data;
using Aigc.MLNet.Training;
using Aigc.Torch.Nn;
using Aigc.Torch.Optim;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

public class TrainingLoopTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-loop-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A small regression model with dropout (so resuming must restore the RNG too).</summary>
    private sealed class RegressionTask : ITrainingTask, IDisposable
    {
        private readonly Sequential _model = new(new Linear(4, 16), new ReLU(), new Dropout(0.2), new Linear(16, 1));
        private readonly Adam _optimizer;
        private readonly double _lr;
        public int StepsSeen;
        public Action<int>? OnStep;

        public RegressionTask(double lr = 1e-2)
        {
            _lr = lr;
            _optimizer = new Adam(_model.Parameters(), lr);
        }

        public IReadOnlyList<string> BatchColumns => ["Features", "Target"];

        public IReadOnlyDictionary<string, double> TrainStep(Batch batch)
        {
            using var scope = DisposeScope.Enter();
            _model.Train();
            var loss = F.MseLoss(_model.Forward(batch["Features"]).Squeeze(-1), batch["Target"]);
            _optimizer.ZeroGrad();
            loss.Backward();
            _optimizer.Step();
            StepsSeen++;
            OnStep?.Invoke(StepsSeen);
            return new Dictionary<string, double> { ["mse"] = loss.Item() };
        }

        public IReadOnlyDictionary<string, double>? Validate(IDataView validation, int batchSize)
        {
            _model.Eval();
            using var noGrad = Engine.NoGrad();
            var batcher = new Batcher(validation.Schema, BatchColumns, batchSize, Device.Cpu);
            using var cursor = validation.GetRowCursor(batcher.Columns);
            double sum = 0;
            long n = 0;
            while (batcher.Next(cursor) is { } batch)
            {
                using (batch)
                using (var scope = DisposeScope.Enter())
                    sum += F.MseLoss(_model.Forward(batch["Features"]).Squeeze(-1), batch["Target"], Reduction.Sum).Item();
                n += batch.Count;
            }
            return new Dictionary<string, double> { ["mse"] = sum / n };
        }

        public IReadOnlyDictionary<string, Tensor> GetState()
        {
            var state = _model.StateDict().ToDictionary(kv => "model." + kv.Key, kv => kv.Value);
            foreach (var (k, v) in _optimizer.StateDict()) state["optim." + k] = v;
            return state;
        }

        public void SetState(IReadOnlyDictionary<string, Tensor> state)
        {
            _model.LoadStateDict(state.Where(kv => kv.Key.StartsWith("model.")).ToDictionary(kv => kv.Key[6..], kv => kv.Value));
            _optimizer.LoadStateDict(state.Where(kv => kv.Key.StartsWith("optim.")).ToDictionary(kv => kv.Key[6..], kv => kv.Value));
        }

        public float[] Weights() => _model.Parameters().SelectMany(p => p.ToArray<float>()).ToArray();

        public void Dispose()
        {
            _optimizer.Dispose();
            _model.Dispose();
        }
    }

    private static IDataView Data(int rows, int seed = 0)
    {
        var rand = new Random(seed);
        var features = new float[rows][];
        var target = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            features[i] = [.. Enumerable.Range(0, 4).Select(_ => (float)rand.NextDouble() * 2 - 1)];
            target[i] = 2 * features[i][0] - features[i][1] + 0.5f * features[i][2] * features[i][3];
        }
        return TestData.View([("Features", new VectorDataViewType(NumberDataViewType.Single, 4), features),
                                  ("Target", NumberDataViewType.Single, target)]);
    }

    [Fact]
    public void Run_LowersLoss_AndReportsProgress()
    {
        var ctx = Cpu.Context(1);
        var logs = new List<string>();
        ctx.Log += (_, e) => logs.Add(e.RawMessage);
        using var task = new RegressionTask();
        var reports = new List<TrainingProgress>();
        var result = new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(256), Data(64, seed: 9),
            new TrainingOptions { Epochs = 8, BatchSize = 32, ReportEveryNSteps = 4 }, new SyncProgress<TrainingProgress>(reports.Add));
        Assert.Equal(64, result.Steps); // 8 epochs x 8 batches
        Assert.Equal(8.0, result.Epochs);
        var epochEnds = reports.Where(r => r.ValidationMetrics is not null).ToList();
        Assert.Equal(8, epochEnds.Count);
        Assert.True(epochEnds[^1].ValidationMetrics!["mse"] < 0.5 * epochEnds[0].ValidationMetrics!["mse"],
            $"validation mse {epochEnds[0].ValidationMetrics!["mse"]} -> {epochEnds[^1].ValidationMetrics!["mse"]}");
        var last = reports[^1];
        Assert.Equal(64, last.TotalSteps);
        Assert.True(last.SamplesPerSecond > 0);
        Assert.Contains("mse", last.Losses.Keys);
        Assert.Contains(logs, l => l.StartsWith("epoch 8/8 step 64/64", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_StopsAtStepBudget()
    {
        var ctx = Cpu.Context(1);
        using var task = new RegressionTask();
        var result = new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(100), null, new TrainingOptions { Epochs = 50, BatchSize = 10, MaxSteps = 23 });
        Assert.Equal(23, result.Steps);
        Assert.Equal(23, task.StepsSeen);
    }

    [Fact]
    public void Cancellation_StopsWithinOneStep_AndWritesCheckpoint()
    {
        var ctx = Cpu.Context(1);
        using var cts = new CancellationTokenSource();
        using var task = new RegressionTask();
        task.OnStep = n => { if (n == 5) cts.Cancel(); };
        var checkpoint = Path.Combine(_dir, "cancel.ckpt");
        var stopped = Assert.Throws<TrainingCancelledException>(() => new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(256), null,
            new TrainingOptions { Epochs = 10, BatchSize = 8, CheckpointPath = checkpoint }, cancellationToken: cts.Token));
        Assert.Equal(5, task.StepsSeen);
        Assert.Equal((5L, checkpoint), (stopped.Step, stopped.CheckpointPath));
        using (var file = Aigc.Torch.Serialization.SafeTensors.Load(checkpoint))
            Assert.Equal("5", file.Metadata["step"]);
        // The model is still usable: training can continue from where it stopped.
        var result = new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(256), null,
            new TrainingOptions { Epochs = 1, BatchSize = 8, CheckpointPath = checkpoint, ResumeFromCheckpoint = true });
        Assert.True(result.Resumed);
        Assert.Equal(32, result.Steps);
    }

    [Fact]
    public void Resume_RefusesACheckpointOfAnotherRun_ListingEveryDifference()
    {
        var ctx = Cpu.Context(1);
        var checkpoint = Path.Combine(_dir, "identity.ckpt");
        var options = new TrainingOptions { BatchSize = 8, MaxSteps = 3, CheckpointPath = checkpoint };
        using (var task = new RegressionTask())
            new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(64), null, options);

        using (var task = new RegressionTask())
        {
            var resume = options with { BatchSize = 16, LearningRate = 0.5, MaxSteps = 6, ResumeFromCheckpoint = true };
            var e = Assert.Throws<CheckpointMismatchException>(() => new TrainingLoop(ctx.Generative(), seed: 2).Run(task, Data(128), null, resume));
            Assert.Equal(
            [
                "seed: 1 in the checkpoint, 2 now",
                "global batch (BatchSize × ranks): 8 in the checkpoint, 16 now",
                "LearningRate: 0.001 in the checkpoint, 0.5 now",
                "data: another data set (64 rows in the checkpoint's run, 128 now, or other values)",
            ], e.Differences);
            Assert.StartsWith(checkpoint + " was written by a different run (seed: 1", e.Message);
            Assert.Equal(0, task.StepsSeen);

            // Asked to, it resumes anyway; a longer budget alone is never a difference.
            var reports = new List<TrainingProgress>();
            var result = new TrainingLoop(ctx.Generative(), seed: 2).Run(task, Data(128), null, resume with { ResumeDespiteMismatch = true },
                new SyncProgress<TrainingProgress>(reports.Add));
            Assert.True(result.Resumed);
            Assert.Equal(6, result.Steps);
            Assert.Equal((3L, (long?)3), (reports[0].Step, reports[0].ResumedFromStep));
            Assert.Empty(reports[0].Losses);
        }
        // The checkpoint now belongs to the second run, which resumes without complaint.
        using (var task = new RegressionTask())
            Assert.Equal(8, new TrainingLoop(ctx.Generative(), seed: 2).Run(task, Data(128), null,
                options with { BatchSize = 16, LearningRate = 0.5, MaxSteps = 8, ResumeFromCheckpoint = true }).Steps);
    }

    [Fact]
    public void ReportInterval_ReportsByTime_WithASmoothedEta()
    {
        // Issue #16: a live bar that waits for every 50th step shows 0% for seconds. 20 steps of >= 30 ms
        // with a 100 ms interval and no step-count reports before the end must still report several times.
        var ctx = Cpu.Context(1);
        using var task = new RegressionTask();
        task.OnStep = _ => Thread.Sleep(30);
        var reports = new List<TrainingProgress>();
        new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(160), null,
            new TrainingOptions { BatchSize = 8, ReportEveryNSteps = 1000, ReportInterval = TimeSpan.FromMilliseconds(100) }, new SyncProgress<TrainingProgress>(reports.Add));
        var timed = reports.Where(r => r.Step < 20).ToList();
        Assert.True(timed.Count >= 3, $"{timed.Count} time-based reports");
        Assert.All(timed, r => Assert.Equal(20, r.TotalSteps));
        // At >= 30 ms a step, the steps left take at least that long.
        Assert.All(timed, r => Assert.True(r.Eta >= TimeSpan.FromMilliseconds(30 * (20 - r.Step) * 0.9), $"eta {r.Eta} at step {r.Step}"));
    }

    [Fact]
    public void DivergingLoss_StopsNamingTheStep_AndKeepsLastCheckpoint()
    {
        var ctx = Cpu.Context(1);
        using var task = new RegressionTask(lr: 1e38);
        var checkpoint = Path.Combine(_dir, "nan.ckpt");
        var e = Assert.Throws<TrainingDivergedException>(() => new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(64), null,
            new TrainingOptions { Epochs = 100, BatchSize = 8, CheckpointPath = checkpoint, CheckpointEveryNSteps = 1 }));
        Assert.Matches(@"Loss 'mse' became (NaN|Infinity|-Infinity) at step \d+ \(epoch \d+\)", e.Message);
        int failedStep = int.Parse(System.Text.RegularExpressions.Regex.Match(e.Message, @"at step (\d+)").Groups[1].Value);
        using var file = Aigc.Torch.Serialization.SafeTensors.Load(checkpoint);
        Assert.Equal((failedStep - 1).ToString(), file.Metadata["step"]);
    }

    [Fact]
    public void ResumedRun_EndsBitIdenticalToUninterruptedRun()
    {
        var options = new TrainingOptions { Epochs = 3, BatchSize = 16 };
        float[] uninterrupted;
        {
            var ctx = Cpu.Context(42);
            Engine.ManualSeed(42); // the trainers seed each Fit; this test drives the loop directly
            using var task = new RegressionTask();
            new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(200), null, options);
            uninterrupted = task.Weights();
        }
        var checkpoint = Path.Combine(_dir, "resume.ckpt");
        {
            var ctx = Cpu.Context(42);
            Engine.ManualSeed(42); // the trainers seed each Fit; this test drives the loop directly
            using var task = new RegressionTask();
            new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(200), null, options with { MaxSteps = 17, CheckpointPath = checkpoint }); // stops mid-epoch 2
        }
        Engine.ManualSeed(999); // a fresh process would have a different random state: the checkpoint must restore it
        {
            var ctx = Cpu.Context(42);
            Engine.ManualSeed(42); // the trainers seed each Fit; this test drives the loop directly
            using var task = new RegressionTask(); // fresh weights, overwritten by the checkpoint
            var result = new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(200), null, options with { CheckpointPath = checkpoint, ResumeFromCheckpoint = true });
            Assert.True(result.Resumed);
            Assert.Equal(39, result.Steps); // 3 epochs x 13 batches
            Assert.Equal(uninterrupted, task.Weights());
        }
    }

    [Fact]
    public void DamagedCheckpoint_IsOneErrorNamingTheFile()
    {
        var ctx = Cpu.Context(1);
        var checkpoint = Path.Combine(_dir, "damaged.ckpt");
        using (var task = new RegressionTask())
            new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(64), null, new TrainingOptions { BatchSize = 16, MaxSteps = 2, CheckpointPath = checkpoint });
        var good = File.ReadAllBytes(checkpoint);
        foreach (var damage in new Func<byte[], byte[]>[] { b => b[..(b.Length / 2)], b => [.. b.Take(8), .. Enumerable.Repeat((byte)'x', 40)], _ => "garbage"u8.ToArray() })
        {
            File.WriteAllBytes(checkpoint, damage(good));
            using var task = new RegressionTask();
            var e = Assert.Throws<InvalidDataException>(() => new TrainingLoop(ctx.Generative(), seed: 1).Run(task, Data(64), null,
                new TrainingOptions { BatchSize = 16, MaxSteps = 4, CheckpointPath = checkpoint, ResumeFromCheckpoint = true }));
            Assert.StartsWith(checkpoint + ":", e.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
    }

    [Fact]
    public void BadInput_IsRejectedClearly()
    {
        var ctx = Cpu.Context(1);
        using var task = new RegressionTask();
        var loop = new TrainingLoop(ctx.Generative(), seed: 1);
        var empty = TestData.View([("Features", new VectorDataViewType(NumberDataViewType.Single, 4), Array.Empty<float[]>()),
                                       ("Target", NumberDataViewType.Single, Array.Empty<float>())]);
        Assert.Contains("no rows", Assert.Throws<ArgumentException>(() => loop.Run(task, empty, null, new TrainingOptions())).Message);
        var noTarget = TestData.View([("Features", new VectorDataViewType(NumberDataViewType.Single, 4), new[] { new float[4] })]);
        Assert.Equal("Target", Assert.Throws<SchemaMismatchException>(() => loop.Run(task, noTarget, null, new TrainingOptions())).Column);
        Assert.Equal("BatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => loop.Run(task, Data(8), null, new TrainingOptions { BatchSize = 0 })).ParamName);
        Assert.Equal(0, task.StepsSeen);
    }

    /// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
