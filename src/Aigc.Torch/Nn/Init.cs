namespace Aigc.Torch.Nn;

/// <summary>Non-linearities whose gain <see cref="Init.Gain"/> knows.</summary>
public enum Nonlinearity
{
    /// <summary>Linear / identity / sigmoid: gain 1.</summary>
    Linear,
    /// <summary>tanh: gain 5/3.</summary>
    Tanh,
    /// <summary>ReLU: gain √2.</summary>
    Relu,
    /// <summary>Leaky ReLU with slope a: gain √(2 / (1 + a²)).</summary>
    LeakyRelu,
}

/// <summary>
/// Weight initialisations with PyTorch's formulas (torch.nn.init). Fans: for a weight of shape
/// (d0, d1, k...), fan_in = d1·∏k and fan_out = d0·∏k. All run without recording gradients.
/// </summary>
public static class Init
{
    /// <summary>The recommended gain for a non-linearity.</summary>
    public static double Gain(Nonlinearity nonlinearity, double negativeSlope = 0.01) => nonlinearity switch
    {
        Nonlinearity.Linear => 1.0,
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + negativeSlope * negativeSlope)),
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity)),
    };

    /// <summary>(fan_in, fan_out) of a weight with at least two dimensions.</summary>
    public static (long FanIn, long FanOut) Fans(Tensor weight)
    {
        var s = weight.Shape;
        if (s.Length < 2) throw new ArgumentException($"Fans need a weight with 2 or more dimensions, got {s.Length}.", nameof(weight));
        long receptive = 1;
        for (int i = 2; i < s.Length; i++) receptive *= s[i];
        return (s[1] * receptive, s[0] * receptive);
    }

    /// <summary>Fills with N(mean, std²).</summary>
    public static Tensor Normal_(Tensor t, double mean = 0, double std = 1) => t.Normal_(mean, std);

    /// <summary>Fills with U[low, high).</summary>
    public static Tensor Uniform_(Tensor t, double low = 0, double high = 1) => t.Uniform_(low, high);

    /// <summary>Fills with a constant.</summary>
    public static Tensor Constant_(Tensor t, double value)
    {
        using var _ = Engine.NoGrad();
        return t.Fill_(value);
    }

    /// <summary>Fills with zeros.</summary>
    public static Tensor Zeros_(Tensor t) => Constant_(t, 0);

    /// <summary>Fills with ones.</summary>
    public static Tensor Ones_(Tensor t) => Constant_(t, 1);

    /// <summary>Glorot uniform: U(±gain·√(6 / (fan_in + fan_out))).</summary>
    public static Tensor XavierUniform_(Tensor t, double gain = 1)
    {
        var (fanIn, fanOut) = Fans(t);
        double a = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return t.Uniform_(-a, a);
    }

    /// <summary>Glorot normal: N(0, gain²·2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal_(Tensor t, double gain = 1)
    {
        var (fanIn, fanOut) = Fans(t);
        return t.Normal_(0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
    }

    /// <summary>He uniform: U(±gain·√(3 / fan)), fan = fan_in (or fan_out).</summary>
    public static Tensor KaimingUniform_(Tensor t, double a = 0, bool fanOut = false,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        var fans = Fans(t);
        double bound = Gain(nonlinearity, a) * Math.Sqrt(3.0 / (fanOut ? fans.FanOut : fans.FanIn));
        return t.Uniform_(-bound, bound);
    }

    /// <summary>He normal: N(0, gain² / fan), fan = fan_in (or fan_out).</summary>
    public static Tensor KaimingNormal_(Tensor t, double a = 0, bool fanOut = false,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        var fans = Fans(t);
        return t.Normal_(0, Gain(nonlinearity, a) / Math.Sqrt(fanOut ? fans.FanOut : fans.FanIn));
    }

    /// <summary>PyTorch's default for Linear and Conv layers: kaiming-uniform with a = √5 for the
    /// weight (bound 1/√fan_in) and U(±1/√fan_in) for the bias.</summary>
    internal static void DefaultLayer(Tensor weight, Tensor? bias)
    {
        KaimingUniform_(weight, a: Math.Sqrt(5));
        if (bias is null) return;
        double bound = 1 / Math.Sqrt(Fans(weight).FanIn);
        bias.Uniform_(-bound, bound);
    }
}
