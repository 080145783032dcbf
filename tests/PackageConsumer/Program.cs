// A stranger's application: references only the packed Aigc.MLNet package (which brings
// Aigc.Torch and its native shim), trains a tiny VAE on real Fashion-MNIST images, saves it,
// loads it back and generates. Exit code 0 and "ok" on success.
using Aigc.MLNet;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Vae;
using Microsoft.ML;

var ctx = new MLContext(seed: 1);
var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
var images = ctx.Data.Cache(ctx.Transforms.ScaleImagePixels("Image").Fit(raw).Transform(ctx.Data.TakeRows(raw, 256)));
using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 4 }).Fit(images);
ctx.Model.SaveGenerative(vae, "consumer.aigc");
using var loaded = (VaeTransformer)ctx.Model.LoadGenerative("consumer.aigc");
using var samples = loaded.Sample(16, seed: 2);
ImageGrid.Save("consumer-samples.png", samples);
Console.WriteLine($"ok: {loaded.Training.Steps} steps, samples shaped [{string.Join(", ", samples.Shape)}], libtorch {Aigc.Torch.Engine.LibTorchVersion}");
