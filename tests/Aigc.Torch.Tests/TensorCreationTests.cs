using static Aigc.Torch.Tests.TestUtil;

namespace Aigc.Torch.Tests;

public class TensorCreationTests
{
    [Fact]
    public void Factories_GiveRequestedShapeDtypeAndValues()
    {
        using var scope = DisposeScope.Enter();
        var z = Tensor.Zeros([2, 3], ScalarType.Float64);
        Assert.Equal([2L, 3], z.Shape);
        Assert.Equal(ScalarType.Float64, z.DType);
        Assert.All(z.ToArray<double>(), v => Assert.Equal(0, v));
        Assert.All(Tensor.Ones(4).ToArray<float>(), v => Assert.Equal(1f, v));
        Assert.All(Tensor.Full([3], 2.5).ToArray<float>(), v => Assert.Equal(2.5f, v));
        Assert.Equal([0L, 1, 2, 3, 4], Tensor.Arange(5).ToArray<long>());
        Assert.Equal([1.0, 1.5, 2.0, 2.5], Tensor.Arange(1, 3, 0.5, ScalarType.Float64).ToArray<double>());
        Assert.Equal([0f, 0.25f, 0.5f, 0.75f, 1f], Tensor.Linspace(0, 1, 5).ToArray<float>());
    }

    [Fact]
    public void RandomFactories_StayInRangeAndHaveExpectedMoments()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(7);
        var u = Tensor.Rand(10000).ToArray<float>();
        Assert.All(u, v => Assert.InRange(v, 0f, 1f));
        Close(0.5, u.Average(), 0.02);
        var n = Tensor.Randn(10000);
        Close(0, n.Mean().Item(), 0.03);
        Close(1, n.Std().Item(), 0.03);
        var ints = Tensor.RandInt(3, 7, [1000]).ToArray<long>();
        Assert.All(ints, v => Assert.InRange(v, 3, 6));
        Assert.Equal(4, ints.Distinct().Count());
    }

    [Fact]
    public void FromArray_RoundTripsEveryDtype()
    {
        using var scope = DisposeScope.Enter();
        Assert.Equal([1.5f, -2f], Tensor.FromArray([1.5f, -2f]).ToArray<float>());
        Assert.Equal([1.5, -2], Tensor.FromArray([1.5, -2.0]).ToArray<double>());
        Assert.Equal([long.MaxValue, -1L], Tensor.FromArray([long.MaxValue, -1L]).ToArray<long>());
        Assert.Equal([7, -1], Tensor.FromArray([7, -1]).ToArray<int>());
        Assert.Equal([(byte)255, (byte)0], Tensor.FromArray([(byte)255, (byte)0]).ToArray<byte>());
        Assert.Equal([true, false], Tensor.FromArray([true, false]).ToArray<bool>());
        Assert.Equal([(Half)0.5, (Half)(-3)], Tensor.FromArray([(Half)0.5, (Half)(-3)]).ToArray<Half>());
        // bfloat16 keeps float32's exponent: 3.0 and 2^100 are exact.
        var bf = Tensor.FromArray([3f, MathF.Pow(2, 100)]).To(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, bf.DType);
        Assert.Equal([3f, MathF.Pow(2, 100)], bf.To(ScalarType.Float32).ToArray<float>());
    }

    [Fact]
    public void FromArray_WithWrongLength_ThrowsNamingSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray([1f, 2f, 3f], 2, 2));
        Assert.Contains("12 bytes", e.Message);
        Assert.Contains("16 bytes", e.Message);
    }

    [Fact]
    public void Factories_RejectNegativeSizes() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros([2, -1]));

    [Fact]
    public void ToArray_WithWrongElementType_Throws()
    {
        using var t = Tensor.Zeros(2);
        var e = Assert.Throws<InvalidOperationException>(() => t.ToArray<double>());
        Assert.Contains("Float32", e.Message);
    }

    [Fact]
    public void ItemAndMetadata_Work()
    {
        using var scope = DisposeScope.Enter();
        var t = Tensor.Full([2, 5, 3], 4);
        Assert.Equal(3, t.Dim);
        Assert.Equal(30, t.NumberOfElements);
        Assert.Equal(5, t.Size(1));
        Assert.Equal(3, t.Size(-1));
        Assert.Equal(Device.Cpu, t.Device);
        Assert.Equal(4, Tensor.Scalar(4).Item());
        Assert.Equal(1L << 60, Tensor.Full([], 1L << 60, ScalarType.Int64).ItemInt64());
        Assert.StartsWith("Tensor[2, 5, 3] Float32 on cpu", t.ToString());
    }

    [Fact]
    public void Device_ParseAndAuto()
    {
        Assert.Equal(Device.Cpu, Device.Parse("cpu"));
        Assert.Equal(Device.Cuda(1), Device.Parse("CUDA:1"));
        Assert.Throws<ArgumentException>(() => Device.Parse("tpu"));
        var d = Device.Auto(out var reason);
        Assert.False(string.IsNullOrEmpty(reason));
        Assert.Equal(Device.CudaAvailable ? DeviceType.Cuda : DeviceType.Cpu, d.Type);
    }
}
