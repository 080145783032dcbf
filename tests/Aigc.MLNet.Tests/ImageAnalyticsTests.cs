using Aigc.MLNet.Gan;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Vae;
using Microsoft.ML.Transforms.Image;

namespace Aigc.MLNet.Tests;

/// <summary>Our models between ML.NET's image transforms (Microsoft.ML.ImageAnalytics): MLImage columns
/// in through LoadImages/ExtractPixels, generated images out through ConvertToImage.</summary>
public class ImageAnalyticsTests : IDisposable
{
    private const string Images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-images-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public sealed class PathRow
    {
        public string Path { get; set; } = "";
    }

    /// <summary>The first <paramref name="count"/> Fashion-MNIST test images as gray PNG files, and their pixels.</summary>
    private (PathRow[] Files, byte[][] Pixels) WritePngs(MLContext ml, int count)
    {
        var pixels = TestData.Floats(ml.Transforms.ScaleImagePixels("P", "Image").Fit(ml.Data.LoadFromIdx(Images))
                .Transform(ml.Data.TakeRows(ml.Data.LoadFromIdx(Images), count)), "P")
            .Select(r => r.Select(v => (byte)Math.Round(v * 255)).ToArray()).ToArray();
        var files = pixels.Select((p, i) =>
        {
            var path = Path.Combine(_dir, $"{i}.png");
            PngEncoder.Save(path, p, 28, 28, 1);
            return new PathRow { Path = path };
        }).ToArray();
        return (files, pixels);
    }

    [Fact]
    public void ExtractPixels_FeedsOurVae_AndConvertToImage_TurnsItsOutputIntoMLImages()
    {
        var ml = Cpu.Context(1);
        var (files, pixels) = WritePngs(ml, 32);
        var data = ml.Data.LoadFromEnumerable(files);
        var pipeline = ml.Transforms.LoadImages("Picture", imageFolder: null, inputColumnName: "Path")
            .Append(ml.Transforms.ResizeImages("Picture", 28, 28))
            .Append(ml.Transforms.ExtractPixels("Image", "Picture", ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1 / 255f))
            .Append(ml.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 2, BatchSize = 16 }))
            .Append(ml.Transforms.ConvertToImage(28, 28, "Out", "Reconstruction", ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 255f));
        using var model = pipeline.Fit(data);
        var output = model.Transform(data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28), output.Schema["Image"].Type);
        // ExtractPixels gave the VAE exactly the PNG's pixels / 255.
        var extracted = TestData.Floats(output, "Image");
        Assert.Equal(pixels[3].Select(p => p / 255f), extracted[3], (a, b) => Math.Abs(a - b) < 1e-6f);
        // The reconstruction comes back as an MLImage that saves as a 28x28 PNG.
        var reconstructions = TestData.Floats(output, "Reconstruction");
        using var cursor = output.GetRowCursor([output.Schema["Out"]]);
        var get = cursor.GetGetter<MLImage>(output.Schema["Out"]);
        Assert.True(cursor.MoveNext());
        MLImage image = null!;
        get(ref image);
        var png = Path.Combine(_dir, "out.png");
        image.Save(png);
        var decoded = PngDecoder.Load(png);
        Assert.Equal((28, 28), (decoded.Width, decoded.Height));
        Assert.Equal(MLPixelFormat.Bgra32, image.PixelFormat);
        Assert.Equal(Math.Round(reconstructions[0][100] * 255), image.Pixels[100 * 4 + 2], 0); // red of BGRA pixel 100
    }

    [Fact]
    public void LoadImagePaths_FeedsMLNetsLoadImages_WithFolderLabels()
    {
        var ml = Cpu.Context(3);
        var (_, pixels) = WritePngs(ml, 6);
        foreach (var (cls, i) in new[] { ("shirt", 0), ("shirt", 1), ("boot", 2), ("boot", 3), ("bag", 4), ("bag", 5) })
        {
            Directory.CreateDirectory(Path.Combine(_dir, "classes", cls));
            File.Move(Path.Combine(_dir, $"{i}.png"), Path.Combine(_dir, "classes", cls, $"{i}.png"));
        }
        var paths = ml.Data.LoadImagePaths(Path.Combine(_dir, "classes"));
        Assert.Equal(new KeyDataViewType(typeof(uint), 3), paths.Schema["Label"].Type);
        var pipeline = ml.Transforms.LoadImages("Picture", imageFolder: null, inputColumnName: "Path")
            .Append(ml.Transforms.ResizeImages("Picture", 28, 28))
            .Append(ml.Transforms.ExtractPixels("Image", "Picture", ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1 / 255f));
        var images = pipeline.Fit(paths).Transform(paths);
        // Folders in ordinal order: bag (key 1), boot (2), shirt (3); files in order within each.
        var keys = new List<uint>();
        using (var cursor = images.GetRowCursor([images.Schema["Label"]]))
        {
            var get = cursor.GetGetter<uint>(images.Schema["Label"]);
            uint k = 0;
            while (cursor.MoveNext()) { get(ref k); keys.Add(k); }
        }
        Assert.Equal([1u, 1, 2, 2, 3, 3], keys);
        var read = TestData.Floats(images, "Image");
        Assert.Equal(pixels[4].Select(p => p / 255f), read[0], (a, b) => Math.Abs(a - b) < 1e-6f); // bag/4.png comes first
        Assert.Throws<DirectoryNotFoundException>(() => ml.Data.LoadImagePaths(Path.Combine(_dir, "none")));
    }

    [Fact]
    public void GeneratedImagesInMinusOneToOne_BecomeMLImages_WithScaleAndOffset()
    {
        var ml = Cpu.Context(2);
        var train = ml.Transforms.ScaleImagePixels("Image", scale: Transforms.PixelScale.MinusOneToOne).Fit(ml.Data.LoadFromIdx(Images))
            .Transform(ml.Data.TakeRows(ml.Data.LoadFromIdx(Images), 64));
        using var gan = ml.Generative().Trainers.Gan(GanOptions.Nano with { Epochs = 20, MaxSteps = 20 }).Fit(train);
        var seeds = TestData.View([("Seed", NumberDataViewType.Int32, new[] { 5, 6 })]);
        // ConvertToImage writes round(value * scale - offset): [-1, 1] -> [0, 255].
        var toImage = ml.Transforms.ConvertToImage(28, 28, "Picture", GanTransformer.OutputColumn, ImagePixelExtractingEstimator.ColorBits.Red,
            scaleImage: 127.5f, offsetImage: -127.5f);
        var back = ml.Transforms.ExtractPixels("Back", "Picture", ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1 / 127.5f, offsetImage: 127.5f);
        var generated = gan.Transform(seeds);
        var output = toImage.Append(back).Fit(generated).Transform(generated);
        var values = TestData.Floats(output, GanTransformer.OutputColumn);
        var roundTrip = TestData.Floats(output, "Back");
        // ExtractPixels reads (pixel - offset) * scale back: the pixel is back * 127.5 + 127.5.
        var pixels = values[1].Select(v => (v + 1) * 127.5).ToArray();
        var read = roundTrip[1].Select(v => v * 127.5 + 127.5).ToArray();
        Assert.All(pixels.Zip(read), p => Assert.InRange(p.Second, p.First - 0.51, p.First + 0.51));
        Assert.True(pixels.Max() - pixels.Min() > 2, $"the generated image should not be flat: {pixels.Min():F1}..{pixels.Max():F1}");
    }
}
