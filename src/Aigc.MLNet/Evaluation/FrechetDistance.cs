namespace Aigc.MLNet.Evaluation;

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature sets (the formula of FID):
/// d² = ‖μ₁ − μ₂‖² + Tr(Σ₁) + Tr(Σ₂) − 2·Tr((Σ₁Σ₂)^½), with Tr((Σ₁Σ₂)^½) computed as the sum of
/// square roots of the eigenvalues of Σ₁^½ Σ₂ Σ₁^½ (symmetric, so Jacobi's method applies).
/// Checked against scipy.linalg.sqrtm.
/// </summary>
public static class FrechetDistance
{
    /// <summary>The distance between feature sets <paramref name="a"/> and <paramref name="b"/> (rows are samples).</summary>
    public static double Compute(double[][] a, double[][] b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length < 2 || b.Length < 2) throw new ArgumentException("Each feature set needs at least 2 samples.");
        int d = a[0].Length;
        if (a.Concat(b).Any(r => r.Length != d)) throw new ArgumentException("All feature vectors must have the same length.");
        var (muA, covA) = Moments(a);
        var (muB, covB) = Moments(b);
        double meanTerm = 0;
        for (int i = 0; i < d; i++) meanTerm += (muA[i] - muB[i]) * (muA[i] - muB[i]);
        var sqrtA = SymmetricSqrt(covA);
        var inner = Multiply(Multiply(sqrtA, covB), sqrtA);
        Symmetrize(inner);
        double traceSqrt = Eigenvalues(inner).Sum(l => Math.Sqrt(Math.Max(l, 0)));
        double traceA = 0, traceB = 0;
        for (int i = 0; i < d; i++) (traceA, traceB) = (traceA + covA[i, i], traceB + covB[i, i]);
        return meanTerm + traceA + traceB - 2 * traceSqrt;
    }

    /// <summary>Mean and sample covariance (divided by n − 1, as numpy.cov).</summary>
    internal static (double[] Mean, double[,] Cov) Moments(double[][] x)
    {
        int n = x.Length, d = x[0].Length;
        var mu = new double[d];
        foreach (var row in x)
            for (int i = 0; i < d; i++) mu[i] += row[i] / n;
        var cov = new double[d, d];
        foreach (var row in x)
            for (int i = 0; i < d; i++)
            {
                double di = row[i] - mu[i];
                for (int j = i; j < d; j++) cov[i, j] += di * (row[j] - mu[j]);
            }
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++) cov[j, i] = cov[i, j] /= n - 1;
        return (mu, cov);
    }

    private static double[,] SymmetricSqrt(double[,] m)
    {
        var (values, vectors) = Jacobi(m);
        int d = values.Length;
        var result = new double[d, d];
        for (int k = 0; k < d; k++)
        {
            double s = Math.Sqrt(Math.Max(values[k], 0));
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) result[i, j] += vectors[i, k] * s * vectors[j, k];
        }
        return result;
    }

    private static double[] Eigenvalues(double[,] m) => Jacobi(m).Values;

    /// <summary>Cyclic Jacobi eigen-decomposition of a symmetric matrix: values and column eigenvectors.</summary>
    private static (double[] Values, double[,] Vectors) Jacobi(double[,] input)
    {
        int d = input.GetLength(0);
        var a = (double[,])input.Clone();
        var v = new double[d, d];
        for (int i = 0; i < d; i++) v[i, i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, total = 0;
            for (int p = 0; p < d; p++)
                for (int q = 0; q < d; q++) { total += a[p, q] * a[p, q]; if (p != q) off += a[p, q] * a[p, q]; }
            if (off <= 1e-22 * Math.Max(total, 1e-300)) break;
            for (int p = 0; p < d - 1; p++)
                for (int q = p + 1; q < d; q++)
                {
                    if (Math.Abs(a[p, q]) < 1e-300) continue;
                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < d; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < d; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < d; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
        }
        var values = new double[d];
        for (int i = 0; i < d; i++) values[i] = a[i, i];
        return (values, v);
    }

    private static double[,] Multiply(double[,] x, double[,] y)
    {
        int n = x.GetLength(0), m = y.GetLength(1), k = x.GetLength(1);
        var r = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int l = 0; l < k; l++)
            {
                double xil = x[i, l];
                for (int j = 0; j < m; j++) r[i, j] += xil * y[l, j];
            }
        return r;
    }

    private static void Symmetrize(double[,] m)
    {
        int d = m.GetLength(0);
        for (int i = 0; i < d; i++)
            for (int j = i + 1; j < d; j++) m[i, j] = m[j, i] = 0.5 * (m[i, j] + m[j, i]);
    }
}
