// The ONNX half of bench/run-deploy-size.sh: an app that samples an exported GAN with
// Aigc.MLNet.Onnx, then lists the native libraries its process mapped.
// Usage: OnnxApp EXPORTED-FOLDER
using Aigc.MLNet.Onnx;

using var gan = OnnxGan.Load(args[0]);
var images = gan.Generate(16, seed: 1);
Console.WriteLine($"generated [{images.Count}, {images.Channels}, {images.Height}, {images.Width}]");
foreach (var library in File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length >= 6 && p[5].Contains(".so")).Select(p => p[5]).Distinct())
    Console.WriteLine($"mapped {library}");
