// A business app that only samples a generator: references the slim Aigc.MLNet.Onnx package (ONNX
// Runtime, no libtorch) and Microsoft.ML.OnnxTransformer. It samples the VAE that
// tests/PackageConsumer exported, through our OnnxVae and through a plain ML.NET pipeline
// (ApplyOnnxModel), and checks that no libtorch was loaded into the process. Exit code 0 and a
// line starting with "ok slim:" on success.
using Aigc.MLNet.Onnx;
using Microsoft.ML;
using Microsoft.ML.Data;

var folder = args.FirstOrDefault() ?? "consumer-onnx";
using var vae = OnnxVae.Load(folder);
var samples = vae.Sample(16, seed: 2);

var ml = new MLContext(seed: 0);
var latents = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(i => new LatentRow { Latent = new float[vae.LatentDim] }));
var pipeline = ml.Transforms.ApplyOnnxModel("image", "latent", Path.Combine(folder, "decoder.onnx")).Fit(latents);
var decoded = ml.Data.CreateEnumerable<ImageRow>(pipeline.Transform(latents), reuseRowObject: false).ToList();
var fromRuntime = vae.Decode(new float[vae.LatentDim]).Pixels;
float worst = decoded[0].Image.Zip(fromRuntime, (a, b) => Math.Abs(a - b)).Max();

var torch = File.ReadLines("/proc/self/maps").Where(l => l.Contains("libtorch") || l.Contains("aigc_torch")).ToList();
if (torch.Count > 0) { Console.Error.WriteLine($"libtorch was loaded: {torch[0]}"); return 1; }
if (worst > 1e-5f) { Console.Error.WriteLine($"ApplyOnnxModel and OnnxVae disagree by {worst}"); return 1; }
Console.WriteLine($"ok slim: {samples.Count} samples of {samples.Channels}x{samples.Height}x{samples.Width}, {decoded.Count} rows through ApplyOnnxModel, no libtorch in the process");
return 0;

internal sealed class LatentRow
{
    [VectorType(8)]
    [ColumnName("latent")]
    public float[] Latent { get; set; } = [];
}

internal sealed class ImageRow
{
    [ColumnName("image")]
    public float[] Image { get; set; } = [];
}
