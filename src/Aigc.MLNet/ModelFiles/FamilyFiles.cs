using System.Text.Json.Nodes;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Aigc.Torch.Nn;

namespace Aigc.MLNet.ModelFiles;

/// <summary>What every image-model family writes and reads the same way: the image shape beside its
/// options, the training summary, and weights loaded into a freshly built network.</summary>
internal static class FamilyFiles
{
    /// <summary>Adds "channels", "height" and "width" to a family's options.</summary>
    public static JsonObject WithShape(JsonObject options, (int C, int H, int W) shape)
    {
        options["channels"] = shape.C;
        options["height"] = shape.H;
        options["width"] = shape.W;
        return options;
    }

    /// <summary>Reads and checks the image shape of a family's options.</summary>
    public static (int C, int H, int W) ReadShape(JsonObject options, string family, bool divisibleBy4)
    {
        (int C, int H, int W) s = (Int(options, "channels", family), Int(options, "height", family), Int(options, "width", family));
        bool ok = s.C is 1 or 3 && s.H is >= 4 and <= 4096 && s.W is >= 4 and <= 4096 && (!divisibleBy4 || (s.H % 4 == 0 && s.W % 4 == 0));
        return ok ? s : throw new InvalidDataException($"{family} image shape {s} is not valid.");
    }

    private static int Int(JsonObject o, string name, string family) =>
        o[name] is JsonValue v && v.TryGetValue(out int i) ? i : throw new InvalidDataException($"{family} option '{name}' is missing.");

    /// <summary>Checks, before a network is built, that its options describe exactly as many values as
    /// the file's weights hold — so a hostile manifest cannot make the constructor allocate more
    /// memory than the file itself provides.</summary>
    public static void CheckSize(ModelPackage package, long expectedValues, string family)
    {
        long values = package.Weights.Values.Sum(t => t.NumberOfElements);
        if (values != expectedValues)
            throw new InvalidDataException($"{family} options describe {expectedValues} weight values, but the file holds {values}.");
    }

    /// <summary>Loads <paramref name="package"/>'s weights into <paramref name="module"/> and moves it to
    /// the device; on a mismatch the module is disposed and the error names the family.</summary>
    public static T LoadWeights<T>(T module, ModelPackage package, Device device, string family) where T : Module
    {
        try
        {
            module.LoadStateDict(package.Weights);
            module.To(device);
            return module;
        }
        catch (ArgumentException e)
        {
            module.Dispose();
            throw new InvalidDataException($"{family} weights do not fit its options: {e.Message}", e);
        }
    }

    /// <summary>The manifest's training summary for a finished run.</summary>
    public static TrainingSummary Summary(TrainingResult result, int seed, IDataView train, params string[] columns) => new()
    {
        Steps = result.Steps,
        Epochs = result.Epochs,
        FinalLosses = new(result.FinalLosses),
        Seed = seed,
        DataFingerprint = DataFingerprint.Compute(train, columns),
        FinishedAt = DateTimeOffset.UtcNow,
    };
}
