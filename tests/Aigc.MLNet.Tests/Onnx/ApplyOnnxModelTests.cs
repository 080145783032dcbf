using Aigc.MLNet.Gan;
using Aigc.MLNet.Transforms;
using Aigc.MLNet.Vae;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Tests.Onnx;

/// <summary>An exported decoder or generator in a plain ML.NET pipeline: only
/// <c>mlContext.Transforms.ApplyOnnxModel</c>, no Aigc.MLNet type at prediction time.</summary>
public class ApplyOnnxModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-applyonnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class LatentRow
    {
        [VectorType(8)]
        [ColumnName("latent")]
        public float[] Latent { get; set; } = [];
    }

    private sealed class ImageRow
    {
        [ColumnName("image")]
        public float[] Image { get; set; } = [];
    }

    [Fact]
    public void VaeDecoder_RunsInApplyOnnxModel_AsOnLibtorch()
    {
        var ctx = Cpu.Context(1);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano).Fit(OnnxExportTests.Images(ctx, 128));
        ctx.Model.ExportToOnnx(vae, _dir);

        var ml = new MLContext(seed: 0);
        var latents = Enumerable.Range(0, 5).Select(i => new LatentRow { Latent = Imaging.Gaussian.Sample(8, i) }).ToList();
        var data = ml.Data.LoadFromEnumerable(latents);
        var model = ml.Transforms.ApplyOnnxModel("image", "latent", Path.Combine(_dir, "decoder.onnx")).Fit(data);
        var rows = ml.Data.CreateEnumerable<ImageRow>(model.Transform(data), reuseRowObject: false).ToList();
        Assert.Equal(5, rows.Count);
        using var scope = DisposeScope.Enter();
        for (int i = 0; i < 5; i++)
            OnnxExportTests.AssertClose(vae.Decode(Tensor.FromArray(latents[i].Latent, 1, 8)).ToArray<float>(), rows[i].Image, $"row {i}");
    }
}
