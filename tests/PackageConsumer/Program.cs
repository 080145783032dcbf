// A stranger's application: references only the packed Aigc.MLNet package (which brings
// Aigc.Torch and its native shim) and Microsoft.ML. "train" builds an ML.NET pipeline with our VAE
// estimator inside, fits it on real Fashion-MNIST images and saves the generator; "generate" (run as
// a new process) loads the file and generates, through the direct API and an ML.NET prediction
// engine. "train" also exports the VAE to ONNX for tests/SlimConsumer. Exit code 0 and a line starting with "ok" on success.
using Aigc.MLNet;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Vae;
using Microsoft.ML;
using Microsoft.ML.Data;

var ml = new MLContext(seed: 1);
switch (args.FirstOrDefault())
{
    case "train":
        var raw = ml.Data.TakeRows(ml.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"), 256);
        var pipeline = ml.Transforms.ScaleImagePixels("Image")
            .Append(ml.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 4 }));
        using (var model = pipeline.Fit(raw))
        {
            var columns = model.GetOutputSchema(raw.Schema).Where(c => !c.IsHidden).Select(c => c.Name);
            ml.Model.SaveGenerative(model.LastTransformer, "consumer.aigc");
            ml.Model.ExportToOnnx(model, "consumer-onnx");   // for the slim consumer, which has no libtorch
            Console.WriteLine($"ok train: columns {string.Join(", ", columns)}");
        }
        return 0;
    case "generate":
        using (var loaded = (VaeTransformer)ml.Model.LoadGenerative("consumer.aigc"))
        {
            using var samples = loaded.Sample(16, seed: 2);
            ImageGrid.Save("consumer-samples.png", samples);
            var engine = ml.Model.CreatePredictionEngine<ImageRow, ReconstructionRow>(loaded);
            var recon = engine.Predict(new ImageRow { Image = new float[784] }).Reconstruction;
            Console.WriteLine($"ok generate: {loaded.Training.Steps} steps, samples shaped [{string.Join(", ", samples.Shape)}], " +
                $"one reconstruction of {recon.Length} values, libtorch {Aigc.Torch.Engine.LibTorchVersion}");
        }
        return 0;
    default:
        Console.Error.WriteLine("usage: Consumer train|generate");
        return 2;
}

internal sealed class ImageRow
{
    [VectorType(1, 28, 28)]
    public float[] Image { get; set; } = [];
}

internal sealed class ReconstructionRow
{
    [VectorType(1, 28, 28)]
    public float[] Reconstruction { get; set; } = [];
}
