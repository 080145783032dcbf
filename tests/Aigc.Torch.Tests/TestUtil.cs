namespace Aigc.Torch.Tests;

internal static class TestUtil
{
    public static Tensor T(double[] values, params long[] shape) =>
        Tensor.FromArray(values, shape.Length == 0 ? [values.Length] : shape);

    public static Tensor F32(float[] values, params long[] shape) =>
        Tensor.FromArray(values, shape.Length == 0 ? [values.Length] : shape);

    public static double[] D(Tensor t)
    {
        using var d = t.To(ScalarType.Float64);
        return d.ToArray<double>();
    }

    public static void Close(double[] expected, Tensor actual, double tol = 1e-6)
    {
        var got = D(actual);
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) <= tol * Math.Max(1, Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {got[i]}");
    }

    public static void Close(double expected, double actual, double tol = 1e-6) =>
        Assert.True(Math.Abs(expected - actual) <= tol * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    /// <summary>/usr/bin/python3 when it exists (Debian's, with python3-torch for parity tools).</summary>
    public static string? Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : null;

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
}
