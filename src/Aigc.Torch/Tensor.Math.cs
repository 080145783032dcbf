using Aigc.Torch.Native;

namespace Aigc.Torch;

// Element-wise arithmetic (with broadcasting), comparisons, activations and matrix products.
public partial class Tensor
{
    private Tensor Unary(UnaryOp op) => Wrap(OpsNative.Ops_unary(Handle, (int)op, out var r), r);

    private Tensor Binary(Tensor other, BinaryOp op)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(OpsNative.Ops_binary(Handle, other.Handle, (int)op, out var r), r);
    }

    private Tensor ScalarOp(double s, BinaryOp op) => Wrap(OpsNative.Ops_binary_scalar(Handle, s, (int)op, out var r), r);

#pragma warning disable CS1591 // operators are self-describing
    public static Tensor operator +(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Add);
    public static Tensor operator -(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Sub);
    public static Tensor operator *(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Mul);
    public static Tensor operator /(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Div);
    public static Tensor operator %(Tensor a, Tensor b) => a.Binary(b, BinaryOp.Remainder);
    public static Tensor operator +(Tensor a, double s) => a.ScalarOp(s, BinaryOp.Add);
    public static Tensor operator -(Tensor a, double s) => a.ScalarOp(s, BinaryOp.Sub);
    public static Tensor operator *(Tensor a, double s) => a.ScalarOp(s, BinaryOp.Mul);
    public static Tensor operator /(Tensor a, double s) => a.ScalarOp(s, BinaryOp.Div);
    public static Tensor operator %(Tensor a, double s) => a.ScalarOp(s, BinaryOp.Remainder);
    public static Tensor operator +(double s, Tensor a) => a.ScalarOp(s, BinaryOp.Add);
    public static Tensor operator -(double s, Tensor a) => a.ScalarOp(s, BinaryOp.ReverseSub);
    public static Tensor operator *(double s, Tensor a) => a.ScalarOp(s, BinaryOp.Mul);
    public static Tensor operator /(double s, Tensor a) => a.ScalarOp(s, BinaryOp.ReverseDiv);
    public static Tensor operator -(Tensor a) => a.Unary(UnaryOp.Neg);
#pragma warning restore CS1591

    /// <summary>this + alpha * other, in one kernel.</summary>
    public Tensor Add(Tensor other, double alpha = 1.0)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(OpsNative.Ops_add_scaled(Handle, other.Handle, alpha, out var r), r);
    }

    /// <summary>Element-wise power with a tensor exponent.</summary>
    public Tensor Pow(Tensor exponent) => Binary(exponent, BinaryOp.Pow);
    /// <summary>Element-wise power with a scalar exponent.</summary>
    public Tensor Pow(double exponent) => ScalarOp(exponent, BinaryOp.Pow);
    /// <summary>Element-wise maximum of two tensors.</summary>
    public Tensor Maximum(Tensor other) => Binary(other, BinaryOp.Maximum);
    /// <summary>Element-wise minimum of two tensors.</summary>
    public Tensor Minimum(Tensor other) => Binary(other, BinaryOp.Minimum);
    /// <summary>Element-wise atan2(this, other).</summary>
    public Tensor Atan2(Tensor other) => Binary(other, BinaryOp.Atan2);

    /// <summary>Element-wise ==, giving a Bool tensor.</summary>
    public Tensor Eq(Tensor other) => Binary(other, BinaryOp.Eq);
    /// <summary>Element-wise !=.</summary>
    public Tensor Ne(Tensor other) => Binary(other, BinaryOp.Ne);
    /// <summary>Element-wise &lt;.</summary>
    public Tensor Lt(Tensor other) => Binary(other, BinaryOp.Lt);
    /// <summary>Element-wise &lt;=.</summary>
    public Tensor Le(Tensor other) => Binary(other, BinaryOp.Le);
    /// <summary>Element-wise &gt;.</summary>
    public Tensor Gt(Tensor other) => Binary(other, BinaryOp.Gt);
    /// <summary>Element-wise &gt;=.</summary>
    public Tensor Ge(Tensor other) => Binary(other, BinaryOp.Ge);
    /// <summary>Element-wise == scalar.</summary>
    public Tensor Eq(double s) => ScalarOp(s, BinaryOp.Eq);
    /// <summary>Element-wise != scalar.</summary>
    public Tensor Ne(double s) => ScalarOp(s, BinaryOp.Ne);
    /// <summary>Element-wise &lt; scalar.</summary>
    public Tensor Lt(double s) => ScalarOp(s, BinaryOp.Lt);
    /// <summary>Element-wise &lt;= scalar.</summary>
    public Tensor Le(double s) => ScalarOp(s, BinaryOp.Le);
    /// <summary>Element-wise &gt; scalar.</summary>
    public Tensor Gt(double s) => ScalarOp(s, BinaryOp.Gt);
    /// <summary>Element-wise &gt;= scalar.</summary>
    public Tensor Ge(double s) => ScalarOp(s, BinaryOp.Ge);
    /// <summary>Element-wise logical and of two Bool tensors.</summary>
    public Tensor LogicalAnd(Tensor other) => Binary(other, BinaryOp.LogicalAnd);
    /// <summary>Element-wise logical or of two Bool tensors.</summary>
    public Tensor LogicalOr(Tensor other) => Binary(other, BinaryOp.LogicalOr);
    /// <summary>Element-wise logical not.</summary>
    public Tensor LogicalNot() => Unary(UnaryOp.LogicalNot);
    /// <summary>True where the element is NaN.</summary>
    public Tensor IsNan() => Unary(UnaryOp.IsNan);
    /// <summary>True where the element is neither infinite nor NaN.</summary>
    public Tensor IsFinite() => Unary(UnaryOp.IsFinite);

    /// <summary>e^x.</summary>
    public Tensor Exp() => Unary(UnaryOp.Exp);
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Unary(UnaryOp.Log);
    /// <summary>log(1 + x), accurate near 0.</summary>
    public Tensor Log1p() => Unary(UnaryOp.Log1p);
    /// <summary>e^x - 1, accurate near 0.</summary>
    public Tensor Expm1() => Unary(UnaryOp.Expm1);
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt);
    /// <summary>1 / sqrt(x).</summary>
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt);
    /// <summary>x * x.</summary>
    public Tensor Square() => Unary(UnaryOp.Square);
    /// <summary>Absolute value.</summary>
    public Tensor Abs() => Unary(UnaryOp.Abs);
    /// <summary>Sine.</summary>
    public Tensor Sin() => Unary(UnaryOp.Sin);
    /// <summary>Cosine.</summary>
    public Tensor Cos() => Unary(UnaryOp.Cos);
    /// <summary>-1, 0 or 1 by sign.</summary>
    public Tensor Sign() => Unary(UnaryOp.Sign);
    /// <summary>Round down.</summary>
    public Tensor Floor() => Unary(UnaryOp.Floor);
    /// <summary>Round up.</summary>
    public Tensor Ceil() => Unary(UnaryOp.Ceil);
    /// <summary>Round half to even.</summary>
    public Tensor Round() => Unary(UnaryOp.Round);

    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Unary(UnaryOp.Tanh);
    /// <summary>1 / (1 + e^-x).</summary>
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid);
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => Unary(UnaryOp.Relu);
    /// <summary>x * sigmoid(x) (SiLU / swish).</summary>
    public Tensor Silu() => Unary(UnaryOp.Silu);
    /// <summary>GELU: exact x * Phi(x), or the tanh approximation GPT-2 used.</summary>
    public Tensor Gelu(bool tanhApproximation = false) => Unary(tanhApproximation ? UnaryOp.GeluTanh : UnaryOp.Gelu);

    /// <summary>x where x &gt; 0, else slope * x.</summary>
    public Tensor LeakyRelu(double negativeSlope = 0.01) =>
        Wrap(OpsNative.Ops_leaky_relu(Handle, negativeSlope, out var r), r);

    /// <summary>exp(x_i) / sum_j exp(x_j) along <paramref name="dim"/>.</summary>
    public Tensor Softmax(long dim) => Wrap(OpsNative.Ops_softmax(Handle, dim, 0, out var r), r);

    /// <summary>x_i - logsumexp(x) along <paramref name="dim"/>, computed stably.</summary>
    public Tensor LogSoftmax(long dim) => Wrap(OpsNative.Ops_softmax(Handle, dim, 1, out var r), r);

    /// <summary>Limits elements to [min, max]; either bound may be omitted.</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        if (min is null && max is null) throw new ArgumentException("Clamp needs at least one of min and max.");
        return Wrap(OpsNative.Ops_clamp(Handle, min.HasValue ? 1 : 0, min ?? 0, max.HasValue ? 1 : 0, max ?? 0, out var r), r);
    }

    /// <summary>Matrix product with NumPy-style broadcasting of batch dimensions.</summary>
    public Tensor Matmul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(OpsNative.Ops_matmul(Handle, other.Handle, 0, out var r), r);
    }

    /// <summary>2-D matrix product: (n, m) x (m, p) → (n, p).</summary>
    public Tensor Mm(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(OpsNative.Ops_matmul(Handle, other.Handle, 1, out var r), r);
    }

    /// <summary>Batched matrix product: (b, n, m) x (b, m, p) → (b, n, p).</summary>
    public Tensor Bmm(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Wrap(OpsNative.Ops_matmul(Handle, other.Handle, 2, out var r), r);
    }

    /// <summary>Draws <paramref name="samples"/> category indices per row from this tensor of
    /// (unnormalised, non-negative) probabilities.</summary>
    public Tensor Multinomial(long samples, bool replacement = false) =>
        Wrap(OpsNative.Ops_multinomial(Handle, samples, replacement ? 1 : 0, out var r), r);

    /// <summary>Running sum along <paramref name="dim"/>.</summary>
    public Tensor Cumsum(long dim) => Wrap(OpsNative.Ops_cumsum(Handle, dim, out var r), r);

    // ---- conversion and autograd ----

    /// <summary>A copy (or this data) on another device and/or with another element type.</summary>
    public Tensor To(Device device, ScalarType? dtype = null) =>
        Wrap(TensorNative.Tensor_to(Handle, (int)(dtype ?? DType), (int)device.Type, device.Index, out var r), r);

    /// <summary>A copy with another element type, on the same device.</summary>
    public Tensor To(ScalarType dtype) => To(Device, dtype);

    /// <summary>A new tensor with its own copy of the data (gradients flow back through it).</summary>
    public Tensor Clone() => Wrap(TensorNative.Tensor_clone(Handle, out var r), r);

    /// <summary>The same data, cut off from the autograd graph.</summary>
    public Tensor Detach() => Wrap(TensorNative.Tensor_detach(Handle, out var r), r);

    /// <summary>A second handle to the same tensor (same data and autograd identity).</summary>
    public Tensor Alias() => Wrap(TensorNative.Tensor_new_handle(Handle, out var r), r);

    /// <summary>Computes gradients of this tensor with respect to the graph's leaves.</summary>
    /// <param name="gradient">d(output)/d(this); required unless this tensor holds one element.</param>
    /// <param name="retainGraph">Keep the graph for another backward pass.</param>
    /// <param name="createGraph">Record the backward pass itself (for higher-order gradients).</param>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        NativeStatus.Check(AutogradNative.Autograd_backward(Handle, gradient?.Handle ?? TensorHandle.Null,
            retainGraph ? 1 : 0, createGraph ? 1 : 0));

    /// <summary>The accumulated gradient, or null before any backward pass reached this tensor.
    /// Each read returns a new handle to the same gradient data.</summary>
    public Tensor? Grad
    {
        get
        {
            NativeStatus.Check(AutogradNative.Autograd_grad(Handle, out var r));
            return r == IntPtr.Zero ? null : new Tensor(r);
        }
    }

    // ---- in place (no autograd; used by initialisers, optimisers and state loading) ----

    /// <summary>Copies <paramref name="source"/> into this tensor (broadcasting, converting type and device).</summary>
    public Tensor CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        NativeStatus.Check(TensorNative.Tensor_copy_(Handle, source.Handle));
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor Fill_(double value)
    {
        NativeStatus.Check(TensorNative.Tensor_fill_(Handle, value));
        return this;
    }

    /// <summary>Refills with samples of N(mean, std²).</summary>
    public Tensor Normal_(double mean = 0, double std = 1)
    {
        NativeStatus.Check(TensorNative.Tensor_normal_(Handle, mean, std));
        return this;
    }

    /// <summary>Refills with samples of U[low, high).</summary>
    public Tensor Uniform_(double low = 0, double high = 1)
    {
        NativeStatus.Check(TensorNative.Tensor_uniform_(Handle, low, high));
        return this;
    }
}
