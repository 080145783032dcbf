using Aigc.MLNet.Data;
using Aigc.MLNet.Imaging;
using Aigc.Torch;
using Microsoft.ML;

namespace Aigc.MLNet.Pipeline;

/// <summary>
/// The input of a generator transformer (GAN, diffusion): per row either a vector column of starting
/// noise, or else a "Seed" column whose integer seeds that noise (<see cref="Gaussian.Sample"/>, so a
/// seed gives the same image on any thread and in any batch), plus the label column of a conditional model.
/// </summary>
internal sealed class SeededNoise
{
    private const string SeedColumn = "Seed";
    private readonly string _noiseColumn;
    private readonly int _size;
    private readonly string? _labelColumn;
    private readonly bool _fromNoise;

    /// <summary>Checks <paramref name="input"/>: a noise column of <paramref name="size"/> Single values,
    /// or an integer "Seed" column; and the label column when there is one.</summary>
    /// <exception cref="SchemaMismatchException">A column is missing or mistyped.</exception>
    public SeededNoise(DataViewSchema input, string noiseColumn, int size, string? labelColumn)
    {
        (_noiseColumn, _size, _labelColumn) = (noiseColumn, size, labelColumn);
        _fromNoise = input.GetColumnOrNull(noiseColumn) is not null;
        var source = _fromNoise ? ColumnRequirement.SingleVector(noiseColumn, size)
            : ColumnRequirement.Integer(SeedColumn, $"an integer seed per row (or a '{noiseColumn}' column of Single vectors)");
        input.Require(source);
        if (labelColumn is not null) input.Require(ColumnRequirement.Label(labelColumn));
        Sources = labelColumn is null ? [source.Name] : [source.Name, labelColumn];
    }

    /// <summary>The input columns read.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>The batch's noise, (rows, size), on <paramref name="device"/>.</summary>
    public Tensor Noise(RowBatch batch, Device device) => _fromNoise
        ? batch.Floats(_noiseColumn, device).View(batch.Count, _size)
        : Tensor.FromArray(batch.Integers(SeedColumn).SelectMany(seed => Gaussian.Sample(_size, unchecked((int)seed))).ToArray(), batch.Count, _size).To(device);

    /// <summary>The batch's 0-based classes, or null for an unconditional model.</summary>
    public Tensor? Labels(RowBatch batch, Device device) =>
        _labelColumn is null ? null : Tensor.FromArray(batch.Labels(_labelColumn)).To(device);
}
