using Aigc.MLNet.Gan;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Vae;
using Aigc.Torch.Onnx;
using Aigc.Torch.Serialization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = Aigc.Torch.Tensor;

namespace Aigc.MLNet.Tests.Onnx;

/// <summary>Our exports against PyTorch's own (<c>torch.onnx.export</c> of independently written
/// twins with the same weights, Fixtures/make_onnx_twins.py): both files give the same outputs under
/// ONNX Runtime on the same inputs.</summary>
public class OnnxTwinTests : IDisposable
{
    private const float Tolerance = 1e-4f;
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
    private readonly SafeTensorsFile _twins = SafeTensors.Load(Path.Combine(Fixtures, "onnx_twins.safetensors"));
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-onnx-twins-").FullName;

    public void Dispose()
    {
        _twins.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private Dictionary<string, Tensor> Weights(string prefix) =>
        _twins.Tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal) && !kv.Key.EndsWith("latents", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    private static float[] Run(string path, params NamedOnnxValue[] inputs)
    {
        using var session = new InferenceSession(path);
        using var results = session.Run(inputs);
        return results.First().AsTensor<float>().ToArray();
    }

    private static void AssertSame(float[] twin, float[] ours, string what)
    {
        Assert.Equal(twin.Length, ours.Length);
        float worst = twin.Zip(ours, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= Tolerance, $"{what}: PyTorch's export and ours differ by {worst:E2}");
    }

    private string Save(OnnxGraph g, string name)
    {
        var path = Path.Combine(_dir, name);
        g.Save(path, "", new Dictionary<string, string>());
        return path;
    }

    [Fact]
    public void VaeDecoder_OursAndTorchOnnxExport_Agree()
    {
        using var vae = new MlpVae(1, 4, 4, latentDim: 3, hiddenDim: 8);
        vae.LoadStateDict(Weights("vae."), strict: false);   // the twin is the decoder only
        vae.Eval();
        var g = new OnnxGraph("vae_decoder");
        var z = g.Input("latent", OnnxElementType.Float, ["batch", 3], "");
        g.Output(vae.ExportDecoder(g, z), "image", OnnxElementType.Float, ["batch", 1, 4, 4], "");
        var latents = _twins.Tensors["vae.latents"].ToArray<float>();
        var input = NamedOnnxValue.CreateFromTensor("latent", new DenseTensor<float>(latents, [3, 3]));
        AssertSame(Run(Path.Combine(Fixtures, "vae_twin.onnx"), input), Run(Save(g, "vae.onnx"), input), "VAE decoder");
    }

    [Fact]
    public void GanGenerator_OursAndTorchOnnxExport_Agree()
    {
        using var generator = new DcganGenerator(latentDim: 5, channels: 1, height: 8, width: 8, baseChannels: 2, numClasses: null);
        var (missing, unexpected) = generator.LoadStateDict(Weights("gan."), strict: false);
        Assert.Equal(["bn0.num_batches_tracked", "bn1.num_batches_tracked"], missing);   // a counter, not used at inference
        Assert.Empty(unexpected);
        generator.Eval();
        var g = new OnnxGraph("gan_generator");
        var z = g.Input("latent", OnnxElementType.Float, ["batch", 5], "");
        g.Output(generator.Export(g, z, null), "image", OnnxElementType.Float, ["batch", 1, 8, 8], "");
        var input = NamedOnnxValue.CreateFromTensor("latent", new DenseTensor<float>(_twins.Tensors["gan.latents"].ToArray<float>(), [4, 5]));
        AssertSame(Run(Path.Combine(Fixtures, "gan_twin.onnx"), input), Run(Save(g, "gan.onnx"), input), "GAN generator");
    }

    [Fact]
    public void Gpt_OursAndTorchOnnxExport_Agree()
    {
        using var parity = SafeTensors.Load(Path.Combine(Fixtures, "gpt_parity.safetensors"));
        int Meta(string k) => int.Parse(parity.Metadata[k], System.Globalization.CultureInfo.InvariantCulture);
        using var gpt = new GptModel(new GptOptions { Layers = Meta("layers"), Heads = Meta("heads"), EmbeddingDim = Meta("dim"), ContextLength = Meta("ctx") }, Meta("vocab"));
        gpt.LoadStateDict(parity.Tensors.Where(kv => kv.Key.StartsWith("w.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key[2..], kv => kv.Value));
        gpt.Eval();
        var tokens = parity.Tensors["tokens"].ToArray<long>();
        int b = 2, t = Meta("ctx"), heads = Meta("heads"), hs = Meta("dim") / heads;
        var twin = Run(Path.Combine(Fixtures, "gpt_twin.onnx"), NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(tokens, [b, t])));

        // Ours takes the cache inputs too: an empty past, every token real, positions 0 … t-1.
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(tokens, [b, t])),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(Enumerable.Repeat(1L, b * t).ToArray(), [b, t])),
            NamedOnnxValue.CreateFromTensor("position_ids", new DenseTensor<long>(Enumerable.Range(0, b * t).Select(i => (long)(i % t)).ToArray(), [b, t])),
        };
        for (int i = 0; i < Meta("layers"); i++)
            foreach (var kind in new[] { "key", "value" })
                inputs.Add(NamedOnnxValue.CreateFromTensor($"past_key_values.{i}.{kind}", new DenseTensor<float>(new float[0], [b, heads, 0, hs])));
        AssertSame(twin, Run(Save(gpt.ExportDecoder(endOfTextLogit: false), "gpt.onnx"), [.. inputs]), "GPT logits");
    }
}
