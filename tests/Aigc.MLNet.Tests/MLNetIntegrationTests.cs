using System.Runtime.CompilerServices;
using Aigc.MLNet.Gan;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Pipeline;
using Aigc.MLNet.Transforms;
using Aigc.MLNet.Vae;

namespace Aigc.MLNet.Tests;

/// <summary>Our estimators and transformers inside real ML.NET pipelines.</summary>
public class MLNetIntegrationTests : IDisposable
{
    private const string Images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    private const string Labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-mlnet-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SchemaShapeColumn_FromTheReflectionHelper_IsAcceptedByMLNetEstimators()
    {
        // If a future ML.NET changes SchemaShape.Column's internal constructor, this fails first.
        var column = SchemaShapes.Column("X", new VectorDataViewType(NumberDataViewType.Single, 1, 2, 2));
        Assert.Equal(("X", SchemaShape.Column.VectorKind.Vector, (DataViewType)NumberDataViewType.Single, false),
            (column.Name, column.Kind, column.ItemType, column.IsKey));
        var ml = new MLContext(seed: 1);
        var output = ml.Transforms.Concatenate("F", "X").GetOutputSchema(new SchemaShape([column]));
        Assert.Contains(output, c => c.Name == "F" && c.ItemType == NumberDataViewType.Single);
        var key = SchemaShapes.Column("L", new KeyDataViewType(typeof(uint), 10));
        Assert.True(key.IsKey);
    }

    [Fact]
    public void EstimatorSchemaCheck_NamesColumnExpectedAndActual_BeforeTraining()
    {
        var ml = Cpu.Context(1);
        var raw = SchemaShapes.Of(ml.Data.LoadFromIdx(Images, Labels).Schema);
        var vae = ml.Generative().Trainers.Vae(VaeOptions.Nano);
        var text = SchemaShapes.Of(TestData.View([("Image", TextDataViewType.Instance, new[] { "x" })]).Schema);
        var mistyped = Assert.Throws<SchemaMismatchException>(() => vae.GetOutputSchema(text));
        Assert.Equal("Image", mistyped.Column);
        Assert.Contains("expected an image vector of Single in [0, 1] or of Byte pixels", mistyped.Message);
        Assert.Contains("got String", mistyped.Message);
        Assert.Contains(vae.GetOutputSchema(raw), c => c.Name == "Mu"); // Byte pixels are accepted and scaled
        var missing = Assert.Throws<SchemaMismatchException>(() => ml.Generative().Trainers.Vae(inputColumn: "Pixels").GetOutputSchema(raw));
        Assert.Contains("column 'Pixels'", missing.Message);
        Assert.Contains("the input has: Image: Vector<Byte> (fixed size), Label: Key<UInt32>", missing.Message);
        // Through a chain: ML.NET's estimator first, ours after it.
        var chain = ml.Transforms.ScaleImagePixels("Image").Append(ml.Generative().Trainers.Vae(VaeOptions.Nano));
        var shape = chain.GetOutputSchema(raw);
        Assert.Contains(shape, c => c.Name == "Mu" && c.Kind == SchemaShape.Column.VectorKind.Vector);
    }

    [Fact]
    public void Pipeline_VaeLatents_FeedAnMLNetTrainer()
    {
        var ml = Cpu.Context(3);
        var data = ml.Data.LoadFromIdx(Images, Labels);
        var split = ml.Data.TrainTestSplit(ml.Data.TakeRows(data, 1500), testFraction: 0.2, seed: 3);
        var pipeline = ml.Transforms.ScaleImagePixels("Image")
            .Append(ml.Generative().Trainers.Vae(VaeOptions.Nano with { Epochs = 2, LearningRate = 3e-3 }))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Mu", maximumNumberOfIterations: 20));
        using var model = pipeline.Fit(split.TrainSet);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet));
        // 10 classes: chance is 0.1. Eight VAE latents after two epochs separate Fashion-MNIST far better.
        Assert.True(metrics.MicroAccuracy > 0.4, $"accuracy {metrics.MicroAccuracy:F3}");
    }

    [Fact]
    public void BatchedView_CallsTheModelOncePerBatch_AndNeverAliasesReusedBuffers()
    {
        // A source whose getter hands out the same array for every row, as ML.NET's cursors may.
        var shared = new float[1];
        var source = new IndexedDataView(10, [IndexedColumn.Of("X", new VectorDataViewType(NumberDataViewType.Single, 1),
            (long row, ref VBuffer<float> v) => { shared[0] = row; v = new VBuffer<float>(1, shared); })]);
        int calls = 0;
        var mapping = new BatchMapping(source.Schema, ["X"], [("Y", new VectorDataViewType(NumberDataViewType.Single, 1))], batchSize: 4, batch =>
        {
            calls++;
            return [Enumerable.Range(0, batch.Count).Select(i =>
            {
                var x = new float[1];
                batch.Vector<float>("X", i, x);
                return new VBuffer<float>(1, [x[0] * 10]);
            }).ToArray()];
        });
        var view = new BatchMappedDataView(source, mapping);
        Assert.Equal(0, calls); // lazy
        var x = TestData.Floats(view, "X").Select(r => r[0]).ToArray();
        var y = TestData.Floats(view, "Y").Select(r => r[0]).ToArray();
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), x);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 10f), y);
        Assert.Equal(3, calls); // 4 + 4 + 2 rows for Y; reading only X ran nothing
    }

    public sealed class RawImage
    {
        [VectorType(1, 2, 2)]
        public byte[] Image { get; set; } = [];
    }

    public sealed class ScaledImage
    {
        [VectorType(1, 2, 2)]
        public float[] Pixels { get; set; } = [];
    }

    [Fact]
    public void PredictionEngine_ComputesEachNewRow()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.ScaleImagePixels("Pixels", "Image", PixelScale.MinusOneToOne)
            .Fit(ml.Data.LoadFromEnumerable(new[] { new RawImage { Image = new byte[4] } }));
        var engine = ml.Model.CreatePredictionEngine<RawImage, ScaledImage>(model);
        Assert.Equal([-1f, -1f, 1f, 1f], engine.Predict(new RawImage { Image = [0, 0, 255, 255] }).Pixels);
        Assert.Equal([1f, -1f, -1f, 1f], engine.Predict(new RawImage { Image = [255, 0, 0, 255] }).Pixels);
    }

    [Fact]
    public void MLNetModelSave_OfAChainWithOurModel_ThrowsNamingSaveGenerative()
    {
        var ml = Cpu.Context(1);
        var (raw, model) = TinyVaePipeline(ml, 64);
        using var _ = model;
        var path = Path.Combine(_dir, "mlnet.zip");
        var e = Assert.ThrowsAny<Exception>(() => ml.Model.Save(model, raw.Schema, path));
        var all = string.Join(" | ", Flatten(e).Select(x => x.Message));
        Assert.Contains("SaveGenerative(model, inputSchema, path)", all);
    }

    [Fact]
    public void WholePipeline_SavesToOneMLNetZip_AndLoadsInAnotherContext()
    {
        var ml = Cpu.Context(4);
        var data = ml.Data.LoadFromIdx(Images, Labels);
        var train = ml.Data.TakeRows(data, 600);
        using var model = ml.Transforms.ScaleImagePixels("Image")
            .Append(ml.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 6 }))
            .Append(ml.Transforms.Concatenate("Features", "Mu", "LogVar"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features", maximumNumberOfIterations: 5))
            .Fit(train);
        var path = Path.Combine(_dir, "pipeline.zip");
        ml.Model.SaveGenerative(model, train.Schema, path);
        using (var zip = System.IO.Compression.ZipFile.OpenRead(path))
        {
            // Our two transforms, in chain order: the pixel scaling and the VAE.
            Assert.NotNull(zip.GetEntry("Aigc.MLNet/0.aigc"));
            Assert.NotNull(zip.GetEntry("Aigc.MLNet/1.aigc"));
            Assert.Null(zip.GetEntry("Aigc.MLNet/2.aigc"));
        }
        // A plain ML.NET load meets the stub and says which call to use.
        var plain = Assert.ThrowsAny<Exception>(() => new MLContext(seed: 1).Model.Load(path, out _));
        Assert.Contains("mlContext.Model.LoadGenerative(path)", string.Join(" | ", Flatten(plain).Select(x => x.Message)));
        // Our load rebuilds the chain with the VAE in place; predictions match the original's.
        var other = Cpu.Context(9);
        var loaded = other.Model.LoadGenerative(path, out var schema, other.Generative());
        Assert.Equal(train.Schema.Select(c => (c.Name, c.Type)), schema.Select(c => (c.Name, c.Type)));
        var test = ml.Data.SkipRows(ml.Data.TakeRows(data, 700), 600);
        float[] Scores(ITransformer t) => TestData.Floats(t.Transform(test), "Score").SelectMany(r => r).ToArray();
        Assert.Equal(Scores(model), Scores(loaded), (a, b) => Math.Abs(a - b) < 1e-5f);
        Assert.Contains(((IEnumerable<ITransformer>)loaded), t => t is VaeTransformer);
        (loaded as IDisposable)?.Dispose();
    }

    [Fact]
    public void ModelFile_HoldsWhatDefinesTheModel_NotTheTrainingRun()
    {
        var ml = Cpu.Context(1);
        var raw = ml.Data.TakeRows(ml.Data.LoadFromIdx(Images), 32);
        var data = ml.Transforms.ScaleImagePixels("Image").Fit(raw).Transform(raw);
        var checkpoint = Path.Combine(_dir, "run.ckpt");
        using var vae = ml.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 1, CheckpointPath = checkpoint, Seed = 5, LearningRate = 0.01 }).Fit(data);
        var path = Path.Combine(_dir, "defines.aigc");
        ml.Model.SaveGenerative(vae, path);
        var options = ml.Model.InspectGenerative(path).Options;
        Assert.True(options.ContainsKey("latentDim"));
        Assert.True(options.ContainsKey("architecture"));
        foreach (var run in new[] { "checkpointPath", "epochs", "maxSteps", "batchSize", "learningRate", "seed", "resumeFromCheckpoint" })
            Assert.False(options.ContainsKey(run), $"the model file holds the run setting '{run}'");
    }

    [Fact]
    public void BytePixels_AreScaledByTheModel_AsScaleImagePixelsWouldScaleThem()
    {
        var ml = Cpu.Context(1);
        var raw = ml.Data.Cache(ml.Data.TakeRows(ml.Data.LoadFromIdx(Images), 128));
        var scaled = ml.Transforms.ScaleImagePixels("Image").Fit(raw).Transform(raw);
        var options = VaeOptions.Nano with { MaxSteps = 3, Seed = 3 };
        using var fromBytes = ml.Generative().Trainers.Vae(options).Fit(raw);
        using var fromSingles = ml.Generative().Trainers.Vae(options).Fit(scaled);
        using (var a = fromBytes.Sample(4, seed: 1))
        using (var b = fromSingles.Sample(4, seed: 1))
            Assert.Equal(b.ToArray<float>(), a.ToArray<float>());
        Assert.Equal(TestData.Floats(fromSingles.Transform(scaled), "Mu"), TestData.Floats(fromBytes.Transform(raw), "Mu"));
        var shape = ml.Generative().Trainers.Gan(GanOptions.Nano).GetOutputSchema(SchemaShapes.Of(raw.Schema));
        Assert.Contains(shape, c => c.Name == GanTransformer.OutputColumn);
    }

    [Fact]
    public void PipelineFile_WithAPayloadMissing_IsAModelFileError()
    {
        var ml = Cpu.Context(1);
        var (raw, model) = TinyVaePipeline(ml, 32);
        using var _ = model;
        var path = Path.Combine(_dir, "broken.zip");
        ml.Model.SaveGenerative(model, raw.Schema, path);
        using (var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update))
            zip.GetEntry("Aigc.MLNet/0.aigc")!.Delete();
        var e = Assert.Throws<ModelFileException>(() => ml.Model.LoadGenerative(path));
        Assert.Contains("entry 'Aigc.MLNet/0.aigc' is missing", e.Message);
    }

    /// <summary>An estimator that passes the schema check and fails when fitted, as a later stage can.</summary>
    private sealed class FailingEstimator(bool inSchemaCheck = false) : IEstimator<ITransformer>
    {
        public SchemaShape GetOutputSchema(SchemaShape inputSchema) =>
            inSchemaCheck ? throw new ArgumentException("stage 3 rejects the schema") : inputSchema;
        public ITransformer Fit(IDataView input) => throw new InvalidOperationException("stage 3 failed");
    }

    [Fact]
    public void FailedChainFit_ReleasesTheNativeMemoryOfStagesFittedBeforeIt()
    {
        var ml = Cpu.Context(1);
        var raw = ml.Data.TakeRows(ml.Data.LoadFromIdx(Images), 32);
        Collect();
        long before = Tensor.LiveCount;
        FitFailingChain(ml, raw);
        // ML.NET's EstimatorChain drops the VAE it fitted before stage 3 failed; its tensors are
        // SafeHandles, so collection frees them.
        Collect();
        Assert.Equal(before, Tensor.LiveCount);

        // A stage that rejects the schema stops the chain before the VAE trains (it would write its checkpoint).
        var checkpoint = Path.Combine(_dir, "never.ckpt");
        var rejected = ml.Transforms.ScaleImagePixels("Image")
            .Append(ml.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 1, CheckpointPath = checkpoint }))
            .Append(new FailingEstimator(inSchemaCheck: true));
        Assert.Throws<ArgumentException>(() => rejected.Fit(raw));
        Assert.False(File.Exists(checkpoint));

        // A chain that fits owns its stages: disposing it disposes ours.
        var (_, model) = TinyVaePipeline(ml, 32);
        var vae = model.LastTransformer;
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => vae.Sample(1, seed: 1));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FitFailingChain(MLContext ml, IDataView raw)
    {
        var pipeline = ml.Transforms.ScaleImagePixels("Image")
            .Append(ml.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 1 }))
            .Append(new FailingEstimator());
        Assert.Equal("stage 3 failed", Assert.Throws<InvalidOperationException>(() => pipeline.Fit(raw)).Message);
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>Raw Fashion-MNIST rows and a one-step ScaleImagePixels → VAE pipeline fitted on them.</summary>
    private static (IDataView Raw, TransformerChain<VaeTransformer> Model) TinyVaePipeline(MLContext ml, int rows)
    {
        var raw = ml.Data.TakeRows(ml.Data.LoadFromIdx(Images), rows);
        return (raw, ml.Transforms.ScaleImagePixels("Image").Append(ml.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 1 })).Fit(raw));
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException) yield return x;
    }

    [Fact]
    public void Fit_SeedsItsOwnRun_SoFitsRepeat_AndALoadBetweenChangesNothing()
    {
        var options = VaeOptions.Nano with { MaxSteps = 3 };
        float[] Sample(MLContext ml, VaeTrainer trainer, IDataView data)
        {
            using var vae = trainer.Fit(data);
            using var s = vae.Sample(4, seed: 1);
            return s.ToArray<float>();
        }
        var ml = Cpu.Context(7);
        var data = ml.Data.Cache(ml.Transforms.ScaleImagePixels("Image").Fit(ml.Data.LoadFromIdx(Images)).Transform(ml.Data.TakeRows(ml.Data.LoadFromIdx(Images), 128)));
        var trainer = ml.Generative().Trainers.Vae(options);
        var first = Sample(ml, trainer, data);
        using (var other = ml.Generative().Trainers.Vae(options with { Seed = 99 }).Fit(data))
        {
            var path = Path.Combine(_dir, "between.aigc");
            ml.Model.SaveGenerative(other, path);
            using var loaded = ml.Model.LoadGenerative(path) as IDisposable;
        }
        Assert.Equal(first, Sample(ml, trainer, data));
        // The same context seed gives the same trainer seed; another gives another model.
        var again = Cpu.Context(7);
        Assert.Equal(first, Sample(again, again.Generative().Trainers.Vae(options), data));
        var different = Cpu.Context(8);
        Assert.NotEqual(first, Sample(different, different.Generative().Trainers.Vae(options), data));
    }

    [Fact]
    public void Generative_IsOneCatalogPerContext_AndValidatesItsOptions()
    {
        var ml = new MLContext(seed: 1);
        Assert.Same(ml.Generative(), ml.Generative());
        Assert.NotSame(ml.Generative(), new MLContext(seed: 1).Generative());
        Assert.False(string.IsNullOrEmpty(ml.Generative().DeviceReason));
        var cpu = ml.Generative(new GenerativeOptions { Device = Device.Cpu });
        Assert.Equal(Device.Cpu, cpu.Device);
        Assert.Contains("chosen by the caller", cpu.DeviceReason);
        Assert.Equal("Threads", Assert.Throws<ArgumentOutOfRangeException>(() => ml.Generative(new GenerativeOptions { Threads = 0 })).ParamName);
    }

    [Fact]
    public void LogLines_ReachMLContextLog()
    {
        var ml = Cpu.Context(1);
        var lines = new List<string>();
        ml.Log += (_, e) => { lock (lines) lines.Add(e.RawMessage); };
        var data = ml.Transforms.ScaleImagePixels("Image").Fit(ml.Data.LoadFromIdx(Images)).Transform(ml.Data.TakeRows(ml.Data.LoadFromIdx(Images), 64));
        using var vae = ml.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 2, BatchSize = 16, ReportEveryNSteps = 1 }).Fit(data);
        Assert.Contains(lines, l => l.StartsWith("epoch 1/1 step 2/2", StringComparison.Ordinal));
    }

    [Fact]
    public void KeyLabels_AreZeroBasedClasses_AndAMissingKeyIsNamed()
    {
        var ml = Cpu.Context(1);
        var key = new KeyDataViewType(typeof(uint), 3);
        var view = TestData.View([("Label", key, new uint[] { 1, 3, 0 })]);
        var batcher = new Training.Batcher(view.Schema, ["Label"], 2, Device.Cpu);
        using var cursor = view.GetRowCursor(batcher.Columns);
        using (var batch = batcher.Next(cursor)!)
            Assert.Equal([0L, 2], batch["Label"].ToArray<long>());
        var e = Assert.Throws<InvalidDataException>(() => batcher.Next(cursor));
        Assert.Contains("Label column 'Label' has a missing key value", e.Message);
        var ints = TestData.View([("Label", NumberDataViewType.Int32, new[] { 0, 2 })]);
        var intBatcher = new Training.Batcher(ints.Schema, ["Label"], 2, Device.Cpu);
        using var c2 = ints.GetRowCursor(intBatcher.Columns);
        using var b2 = intBatcher.Next(c2)!;
        Assert.Equal([0L, 2], b2["Label"].ToArray<long>());
    }
}
