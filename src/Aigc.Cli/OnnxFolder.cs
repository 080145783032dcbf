using Aigc.MLNet.Onnx;
using Aigc.Torch;

namespace Aigc.Cli;

/// <summary>A folder written by <c>aigc export</c>, opened on ONNX Runtime for <c>aigc generate</c>:
/// which family it holds (by its files), and images from it as tensors for the PNG writer.</summary>
internal sealed class OnnxFolder : IDisposable
{
    private readonly OnnxVae? _vae;
    private readonly OnnxGan? _gan;
    private readonly OnnxDiffusion? _diffusion;

    private OnnxFolder(string family, OnnxVae? vae, OnnxGan? gan, OnnxDiffusion? diffusion) =>
        (Family, _vae, _gan, _diffusion) = (family, vae, gan, diffusion);

    /// <summary>"vae", "gan" or "diffusion", as in model files.</summary>
    public string Family { get; }

    /// <summary>Classes of a conditional model, else null.</summary>
    public int? NumClasses => _gan?.NumClasses ?? _diffusion?.NumClasses;

    /// <summary>The diffusion model's own sampler settings, else null.</summary>
    public OnnxSamplingOptions? DefaultSampling => _diffusion?.DefaultSampling;

    public static OnnxFolder Open(string directory) => ExportedModel.Family(directory) switch
    {
        "vae" => new("vae", OnnxVae.Load(directory), null, null),
        "gan" => new("gan", null, OnnxGan.Load(directory), null),
        "diffusion" => new("diffusion", null, null, OnnxDiffusion.Load(directory)),
        "causal-lm" => throw new CliException($"{directory} holds a language model; 'aigc generate' writes text from it with --prompt."),
        "image-classifier" => throw new CliException($"{directory} holds an image classifier, which does not generate: 'aigc generate' takes an exported VAE, GAN or diffusion model."),
        _ => throw new CliException($"{directory} is a folder without an exported model: 'aigc generate' takes a model file, or a folder written by 'aigc export'."),
    };

    /// <summary>Images from the seed, as a (N, C, H, W) tensor.</summary>
    public Tensor Images(int count, int seed, long[]? labels, OnnxSamplingOptions? sampling)
    {
        var batch = _vae?.Sample(count, seed) ?? _gan?.Generate(count, seed, labels) ?? _diffusion!.Generate(count, seed, labels, sampling);
        return Tensor.FromArray(batch.Pixels, batch.Count, batch.Channels, batch.Height, batch.Width);
    }

    public void Dispose()
    {
        _vae?.Dispose();
        _gan?.Dispose();
        _diffusion?.Dispose();
    }
}
