using Aigc.Torch;

namespace Aigc.MLNet.Training;

/// <summary>Class-label checks shared by the families that take labels.</summary>
internal static class Labels
{
    /// <summary>Labels 0, 1, …, classes − 1, 0, 1, … for <paramref name="count"/> images (sample grids show every class).</summary>
    public static long[] Cycle(int count, int classes) => Enumerable.Range(0, count).Select(i => (long)(i % classes)).ToArray();

    /// <summary>Returns <paramref name="labels"/> when every value is in [0, classes); otherwise throws
    /// naming the column and the offending value.</summary>
    public static Tensor Check(Tensor labels, string column, int classes)
    {
        long min = labels.Min().ItemInt64(), max = labels.Max().ItemInt64();
        if (min < 0 || max >= classes)
            throw new ArgumentOutOfRangeException(column, min < 0 ? min : max, $"Label column '{column}' holds {(min < 0 ? min : max)}, outside [0, {classes}).");
        return labels;
    }
}
