// The libtorch half of bench/run-deploy-size.sh: an app that samples a saved GAN with Aigc.MLNet,
// then lists the native libraries its process mapped (what a deployment must carry besides .NET).
// Usage: TorchApp MODEL.aigc
using Aigc.MLNet;
using Aigc.MLNet.Gan;
using Microsoft.ML;

var ml = new MLContext();
using var gan = (GanTransformer)ml.Model.LoadGenerative(args[0]);
using var images = gan.Generate(16, seed: 1);
Console.WriteLine($"generated [{string.Join(", ", images.Shape)}]");
foreach (var library in File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length >= 6 && p[5].Contains(".so")).Select(p => p[5]).Distinct())
    Console.WriteLine($"mapped {library}");
