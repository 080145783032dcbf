using Microsoft.ML;
using System.CommandLine;
using System.Globalization;
using Aigc.MLNet;
using Aigc.MLNet.Classification;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;
using Aigc.MLNet.Transforms;
using Aigc.MLNet.Vae;
using Aigc.Torch;
using Aigc.Torch.Distributed;

namespace Aigc.Cli;

/// <summary><c>aigc train &lt;gan|vae|lm|diffusion|classifier&gt; --data … --out model.aigc</c>.</summary>
internal static class TrainCommand
{
    private static readonly Argument<string> Family = new Argument<string>("family") { Description = "What to train: gan, vae, lm, diffusion, or classifier (the feature classifier image metrics use)" }
        .AcceptOnlyFromAmong("gan", "vae", "lm", "diffusion", "classifier");
    private static readonly Option<string> Data = new("--data") { Description = "A built-in data set: fashion-mnist (60,000 images), fashion-mnist-test (10,000), fortunes, words; or a path: an IDX file, a folder of class folders of PNGs, a text file or folder", Required = true };
    private static readonly Option<string> Out = new("--out") { Description = "The model file to write [all families]", DefaultValueFactory = _ => "model.aigc" };
    private static readonly Option<string> Preset = new("--preset") { Description = "Model size: nano (seconds, for trying things) or small (lm: nanoGPT's baby GPT)", DefaultValueFactory = _ => "small" };
    private static readonly Option<int?> Epochs = new("--epochs") { Description = "Passes over the data [all families; default: the preset's, vae 10, gan 5, diffusion 5, classifier 2 (nano: 1); lm: none, --steps rules]" };
    private static readonly Option<long?> Steps = new("--steps") { Description = "A step budget [all families; lm: the schedule length, default 2000 (nano 50)]" };
    private static readonly Option<int?> BatchSize = new("--batch-size") { Description = "Examples per step [all families; default: the preset's, 128 for images (nano 64, diffusion nano 32), 12 windows for lm (nano 8)]" };
    private static readonly Option<double?> LearningRate = new("--lr") { Description = "Peak learning rate [all families; default: gan 2e-4, the others 1e-3]" };
    private static readonly Option<bool> Conditional = new("--conditional") { Description = "Class-conditional, using the data's labels [gan, diffusion]" };
    private static readonly Option<string?> Architecture = new("--arch") { Description = "Network: mlp or conv [vae; default mlp]; gpt or lstm [lm; default gpt]" };
    private static readonly Option<string> Tokenizer = new("--tokenizer") { Description = "Tokenizer built from the text: char or bpe [lm]", DefaultValueFactory = _ => "char" };
    private static readonly Option<int> VocabularySize = new("--vocab-size") { Description = "BPE vocabulary size [lm with --tokenizer bpe]", DefaultValueFactory = _ => 1024 };
    private static readonly Option<int?> Context = new("--context") { Description = "Tokens per training window, and the GPT's context [lm; default 64 (nano 32)]" };
    private static readonly Option<string?> Checkpoint = new("--checkpoint") { Description = "Checkpoint file [all families; default: the model file + .ckpt]" };
    private static readonly Option<long> CheckpointEvery = new("--checkpoint-every") { Description = "Write a checkpoint every N steps, and on Ctrl+C and at the end [all families]", DefaultValueFactory = _ => 500 };
    private static readonly Option<bool> Resume = new("--resume") { Description = "Continue from the checkpoint when it exists (it must come from the same run: family, options, data, batch size, learning rate, seed; --epochs and --steps may grow)" };
    private static readonly Option<bool> ResumeAnyway = new("--resume-anyway") { Description = "With --resume: continue even from a checkpoint of a different run" };
    private static readonly Option<long?> Limit = new("--limit") { Description = "Use at most the first N examples of the data (quick trials) [all families]" };
    private static readonly Option<int> NProc = new("--nproc") { Description = "Train data-parallel in N worker processes on this machine; each takes --batch-size examples per step (docs/distributed.md). Under torchrun or any launcher that sets WORLD_SIZE, RANK, MASTER_ADDR and MASTER_PORT, leave it out: the tool joins that group [all families]", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> DistTimeout = new("--dist-timeout") { Description = "Seconds a worker waits for the others (joining, and each step) before it fails naming the rank that stopped", DefaultValueFactory = _ => 300 };
    private static readonly Option<string?> Report = new("--report") { Description = "Folder for the training report: index.html with a chart per metric, sample grids by step and final samples; written on Ctrl+C too [all families]" };

    public static Command Create()
    {
        var command = new Command("train", """
            Train a generative model on real data and save it.
            Examples:
              aigc train vae --data fashion-mnist --out vae.aigc --report vae-report
              aigc train gan --data fashion-mnist --conditional --epochs 2 --out gan.aigc
              aigc train lm --data fortunes --steps 2000 --out fortunes.aigc
              aigc train vae --data fashion-mnist --preset nano --limit 1000 --out try.aigc   # seconds
              aigc train lm --data fortunes --steps 2000 --nproc 2 --out fortunes.aigc   # 2 worker processes
            """)
        {
            Family, Data, Out, Preset, Epochs, Steps, BatchSize, LearningRate, Conditional, Architecture, Tokenizer, VocabularySize, Context,
            Checkpoint, CheckpointEvery, Resume, ResumeAnyway, Limit, NProc, DistTimeout, Report, CommonOptions.Device, CommonOptions.Seed, CommonOptions.Threads, CommonOptions.Verbose,
        };
        command.SetAction(r => CommonOptions.Guard(r, () => Run(r)));
        return command;
    }

    private static int Run(ParseResult r)
    {
        // Flag checks come first, so every worker of a group fails alike before any of them joins it.
        string family = r.GetValue(Family)!, preset = r.GetValue(Preset)!;
        if (preset is not ("nano" or "small")) throw new CliException($"--preset must be nano or small, not '{preset}'.");
        CommonOptions.RejectInapplicable(r, family,
            (Conditional, ["gan", "diffusion"]), (Architecture, ["vae", "lm"]), (Tokenizer, ["lm"]), (VocabularySize, ["lm"]), (Context, ["lm"]));
        if (CommonOptions.Given(r, VocabularySize) && r.GetValue(Tokenizer) != "bpe") throw new CliException("--vocab-size applies with --tokenizer bpe only.");
        if (CommonOptions.Given(r, ResumeAnyway) && !r.GetValue(Resume)) throw new CliException("--resume-anyway only applies with --resume.");
        int nproc = r.GetValue(NProc), timeout = r.GetValue(DistTimeout);
        if (nproc < 1) throw new CliException($"--nproc must be at least 1, not {nproc}.");
        if (timeout < 1) throw new CliException($"--dist-timeout must be at least 1 second, not {timeout}.");
        var launched = DistributedEnvironment.Read();
        if (nproc > 1)
        {
            if (launched is not null)
                throw new CliException("--nproc starts its own worker processes; in a group another launcher started (WORLD_SIZE is set), leave it out.");
            return WorkerLauncher.Run(r, NProc, nproc);
        }
        using var group = launched is null ? null : ProcessGroup.FromEnvironment(TimeSpan.FromSeconds(timeout));
        var ctx = CommonOptions.Context(r, group);
        // In a group, rank 0 speaks and writes files; the other ranks train silently beside it.
        return ctx.IsMainProcess ? RunMain(r, ctx, group) : RunQuiet(r, ctx);
    }

    private static int RunQuiet(ParseResult r, GenerativeCatalog ctx)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            string family = r.GetValue(Family)!, output = r.GetValue(Out)!;
            var (model, _) = Train(r, ctx, family, r.GetValue(Data)!, r.GetValue(Preset)!, r.GetValue(Checkpoint) ?? output + ".ckpt", null, null, cancel.Token);
            ((IDisposable)model).Dispose();
            return 0;
        }
        catch (TrainingCancelledException)
        {
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static int RunMain(ParseResult r, GenerativeCatalog ctx, ProcessGroup? group)
    {
        string family = r.GetValue(Family)!, data = r.GetValue(Data)!, output = r.GetValue(Out)!, preset = r.GetValue(Preset)!;
        string checkpoint = r.GetValue(Checkpoint) ?? output + ".ckpt";
        string? reportFolder = r.GetValue(Report);
        var report = reportFolder is null ? null : new TrainingReport(reportFolder);
        var progress = new LiveProgress(report);
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        // Why this device was chosen is a long sentence; it is shown with --verbose, the device itself in the result line.
        if (r.GetValue(CommonOptions.Verbose)) Console.WriteLine($"device {ctx.Device} ({ctx.DeviceReason}), seed {r.GetValue(CommonOptions.Seed)}");
        try
        {
            var (model, sampleText) = progress.Run($"training {family}", () => Train(r, ctx, family, data, preset, checkpoint, reportFolder, progress, cancel.Token));
            using ((IDisposable)model)
            {
                var directory = Path.GetDirectoryName(Path.GetFullPath(output));
                if (directory is not null) Directory.CreateDirectory(directory);
                ctx.MLContext.Model.SaveGenerative(model, output);
                var last = progress.Last;
                string where = group is null ? ctx.Device.ToString() : $"{group.WorldSize} processes ({ctx.Device})";
                Console.WriteLine($"saved {output} ({model.Family}) after {model.GetContents().Training.Steps} steps on {where}" + (last is null ? "" : $"; {LiveProgress.Describe(last)}"));
                if (report is not null)
                {
                    var summary = new Dictionary<string, string> { ["family"] = model.Family, ["data"] = data, ["model file"] = output, ["device"] = ctx.Device.ToString() };
                    if (last is not null) summary["final"] = LiveProgress.Describe(last);
                    report.Write($"aigc train {family}", summary, sampleText);
                    Console.WriteLine($"report: {Path.Combine(report.Folder, "index.html")}");
                }
            }
            return 0;
        }
        catch (TrainingCancelledException stopped)
        {
            // The loop says which step it stopped at and whether it wrote the checkpoint; progress reports lag behind.
            Console.WriteLine(stopped.CheckpointPath is { } written
                ? $"stopped after step {stopped.Step}; checkpoint of that step: {written}; continue with --resume"
                : $"stopped after step {stopped.Step}; no checkpoint was written");
            if (report is not null)
            {
                // A stopped run's curves and grids are worth as much as a finished one's.
                report.Write($"aigc train {family} (stopped)", new Dictionary<string, string>
                {
                    ["family"] = family, ["data"] = data, ["stopped after step"] = stopped.Step.ToString(CultureInfo.InvariantCulture),
                    ["checkpoint"] = stopped.CheckpointPath ?? "none written", ["device"] = ctx.Device.ToString(),
                });
                Console.WriteLine($"report: {Path.Combine(report.Folder, "index.html")}");
            }
            return 130;
        }
        catch (CheckpointMismatchException mismatch)
        {
            throw new CliException($"--resume: {mismatch.CheckpointPath} comes from a different run ({string.Join("; ", mismatch.Differences)}); " +
                                   "drop --resume to start afresh, or add --resume-anyway.");
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static (ISavableModel Model, string? SampleText) Train(ParseResult r, GenerativeCatalog ctx, string family, string data, string preset,
        string checkpoint, string? report, LiveProgress? progress, CancellationToken cancel)
    {
        bool nano = preset == "nano", resume = r.GetValue(Resume), conditional = r.GetValue(Conditional), anyway = r.GetValue(ResumeAnyway);
        long every = r.GetValue(CheckpointEvery);
        int? epochs = r.GetValue(Epochs), batch = r.GetValue(BatchSize);
        long? steps = r.GetValue(Steps);
        double? lr = r.GetValue(LearningRate);
        string? arch = r.GetValue(Architecture);
        long? limit = r.GetValue(Limit);
        if (limit is < 1) throw new CliException($"--limit must be at least 1, not {limit}.");
        // The run flags every family shares land on the shared TrainingOptions base; records clone as
        // their own type, so the family's options come back whole.
        T WithRun<T>(T o, long? maxSteps, int? defaultEpochs = null) where T : TrainingOptions => (T)((TrainingOptions)o with
        {
            Epochs = epochs ?? defaultEpochs ?? o.Epochs, MaxSteps = maxSteps, BatchSize = batch ?? o.BatchSize, LearningRate = lr ?? o.LearningRate,
            CheckpointPath = checkpoint, CheckpointEveryNSteps = every, ResumeFromCheckpoint = resume, ResumeDespiteMismatch = anyway,
            ReportInterval = LiveProgress.Interval,
        });
        switch (family)
        {
            case "gan":
            {
                var o = WithRun(nano ? GanOptions.Nano : GanOptions.Small, steps) with
                {
                    LabelColumn = conditional ? "Label" : null, SampleGridEveryNSteps = report is null ? 0 : 200, SampleGridFolder = report,
                };
                var gan = ctx.Trainers.Gan(o).Fit(BuiltInData.Images(ctx, data, PixelScale.MinusOneToOne, limit), null, progress, cancel);
                if (report is not null)
                    using (var samples = gan.Generate(64, r.GetValue(CommonOptions.Seed), gan.IsConditional ? CommonOptions.CycleLabels(64, o.NumClasses) : null))
                        ImageGrid.Save(Path.Combine(report, "samples-final.png"), samples, range: PixelRange.MinusOneToOne);
                return (gan, null);
            }
            case "vae":
            {
                var architecture = arch switch { null or "mlp" => VaeArchitecture.Mlp, "conv" => VaeArchitecture.Conv, _ => throw new CliException($"--arch for a VAE is mlp or conv, not '{arch}'.") };
                var o = WithRun(nano ? VaeOptions.Nano : VaeOptions.Small, steps) with { Architecture = architecture };
                var vae = ctx.Trainers.Vae(o).Fit(BuiltInData.Images(ctx, data, PixelScale.ZeroToOne, limit), null, progress, cancel);
                if (report is not null)
                    using (var samples = vae.Sample(64, r.GetValue(CommonOptions.Seed)))
                        ImageGrid.Save(Path.Combine(report, "samples-final.png"), samples);
                return (vae, null);
            }
            case "diffusion":
            {
                var o = WithRun(nano ? DiffusionOptions.Nano : DiffusionOptions.Small, steps) with
                {
                    LabelColumn = conditional ? "Label" : null, SampleGridEveryNSteps = report is null ? 0 : 500, SampleGridFolder = report,
                };
                var diffusion = ctx.Trainers.Diffusion(o).Fit(BuiltInData.Images(ctx, data, PixelScale.MinusOneToOne, limit), null, progress, cancel);
                if (report is not null)
                    using (var samples = diffusion.Generate(16, r.GetValue(CommonOptions.Seed), diffusion.IsConditional ? CommonOptions.CycleLabels(16, o.NumClasses) : null))
                        ImageGrid.Save(Path.Combine(report, "samples-final.png"), samples, range: PixelRange.MinusOneToOne);
                return (diffusion, null);
            }
            case "lm":
            {
                var o = nano ? CausalLMOptions.Nano : new CausalLMOptions();
                var architecture = arch switch { null or "gpt" => LanguageModelArchitecture.Gpt, "lstm" => LanguageModelArchitecture.Lstm, _ => throw new CliException($"--arch for a language model is gpt or lstm, not '{arch}'.") };
                var tokenizer = r.GetValue(Tokenizer) switch { "char" => TokenizerKind.Char, "bpe" => TokenizerKind.Bpe, var t => throw new CliException($"--tokenizer is char or bpe, not '{t}'.") };
                int context = r.GetValue(Context) ?? o.TrainingContextLength;
                // --epochs alone trains whole passes; otherwise the step budget (the preset's by default) rules.
                long? maxSteps = steps ?? (epochs is null ? o.MaxSteps : null);
                o = WithRun(o, maxSteps) with
                {
                    Architecture = architecture, TokenizerKind = tokenizer, BpeVocabularySize = r.GetValue(VocabularySize),
                    Gpt = o.Gpt with { ContextLength = Math.Max(o.Gpt.ContextLength, context) }, TrainingContextLength = context,
                    WarmupSteps = maxSteps is { } m ? Math.Min(o.WarmupSteps, m / 10) : o.WarmupSteps,
                    ValidateEveryNSteps = maxSteps is { } v ? Math.Max(1, v / 4) : 0,
                };
                // Every 10th document is held out for validation; a corpus of fewer than 10 documents
                // (one text file, say) trains on everything without validation.
                var docs = BuiltInData.Documents(ctx, data, limit);
                var (train, heldOut) = BuiltInData.Split(docs);
                var validation = heldOut is null ? null : BuiltInData.Text(ctx.MLContext, heldOut);
                var lm = ctx.Trainers.CausalLM(o).Fit(BuiltInData.Text(ctx.MLContext, train), validation, progress, cancel);
                // A sample for the report, started from end-of-text, or else from the corpus's first character.
                var start = lm.Generator.EndOfTextId is null ? docs[0].EnumerateRunes().First().ToString() : "";
                var sample = lm.Generate(start, new GenerationOptions { MaxNewTokens = 200, Temperature = 0.8, TopK = 40, Seed = r.GetValue(CommonOptions.Seed) });
                return (lm, start + sample.Text);
            }
            default:
            {
                var chosen = nano ? ImageClassifierOptions.Nano : new ImageClassifierOptions();
                var o = WithRun(chosen, steps, defaultEpochs: Math.Min(chosen.Epochs, 2));
                var images = BuiltInData.Images(ctx, data, PixelScale.ZeroToOne, limit);
                return (ctx.Trainers.ImageClassifier(o).Fit(images, null, progress, cancel), null);
            }
        }
    }
}
