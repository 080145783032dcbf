using System.Diagnostics;
using Aigc.Torch.Distributed;
using Aigc.Torch.Nn;

namespace Aigc.MLNet.Tests.Distributed;

/// <summary>The collectives, with two ranks as two threads of this process (Gloo and the store do not
/// care whether ranks share a process), and the environment contract.</summary>
public class ProcessGroupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    // Runs body on ranks 0 and 1 of a fresh group and returns what each produced.
    private static T[] OnTwoRanks<T>(Func<ProcessGroup, T> body)
    {
        Assert.True(ProcessGroup.IsAvailable, "the shim was built without c10d/Gloo (setup.sh installs libgloo-dev)");
        int port = LocalLauncher.FreePort();
        var ranks = Enumerable.Range(0, 2).Select(rank => Task.Run(() =>
        {
            using var group = ProcessGroup.Join("127.0.0.1", port, rank, 2, Timeout);
            return body(group);
        })).ToArray();
        Assert.True(Task.WaitAll(ranks, TimeSpan.FromSeconds(60)), "the ranks did not finish");
        return [.. ranks.Select(t => t.Result)];
    }

    [Fact]
    public void AllReduceCombinesEveryTensorInPlaceAcrossBuckets()
    {
        var results = OnTwoRanks(g =>
        {
            using var scope = DisposeScope.Enter();
            // Three tensors of two dtypes and a bucket of 16 bytes: several buckets, one per dtype at least.
            var a = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2) * (g.Rank + 1);
            var b = Tensor.FromArray(new double[] { 10, 20 }, 2) * (g.Rank + 1);
            var c = Tensor.FromArray(new float[] { 5 }, 1) * (g.Rank + 1);
            g.AllReduce([a, b, c], ReduceOp.Sum, bucketBytes: 16);
            var max = Tensor.FromArray(new float[] { g.Rank, -g.Rank }, 2);
            g.AllReduce(max, ReduceOp.Max);
            double[] mean = g.AllReduce([g.Rank * 2.0, 7.0], ReduceOp.Average);
            return (a.ToArray<float>(), b.ToArray<double>(), c.ToArray<float>(), max.ToArray<float>(), mean);
        });
        foreach (var (a, b, c, max, mean) in results)
        {
            Assert.Equal([3f, 6, 9, 12], a);
            Assert.Equal([30.0, 60], b);
            Assert.Equal([15f], c);
            Assert.Equal([1f, 0], max);
            Assert.Equal([1.0, 7], mean);
        }
    }

    [Fact]
    public void BroadcastAllGatherAndBarrier()
    {
        var results = OnTwoRanks(g =>
        {
            using var scope = DisposeScope.Enter();
            var weights = Tensor.Full([3], g.Rank == 1 ? 4.5 : -1.0);
            var bias = Tensor.Full([2, 2], g.Rank == 1 ? 2.0 : 0.0, ScalarType.Float64);
            g.Broadcast([weights, bias], root: 1);
            g.Barrier();
            var gathered = g.AllGather(Tensor.Full([2], g.Rank + 0.5));
            return (weights.ToArray<float>(), bias.ToArray<double>(), gathered.Shape, gathered.ToArray<float>());
        });
        foreach (var (weights, bias, shape, gathered) in results)
        {
            Assert.Equal([4.5f, 4.5f, 4.5f], weights);
            Assert.Equal([2.0, 2, 2, 2], bias);
            Assert.Equal([2L, 2], shape);
            Assert.Equal([0.5f, 0.5f, 1.5f, 1.5f], gathered);
        }
    }

    [Fact]
    public void AverageGradientsAveragesAndGivesUnusedParametersZeroGradients()
    {
        var results = OnTwoRanks(g =>
        {
            using var scope = DisposeScope.Enter();
            var used = new Parameter(Tensor.FromArray(new float[] { 1, 2 }, 2));
            var unused = new Parameter(Tensor.Zeros(3));
            (used * (g.Rank == 0 ? 1f : 3f)).Sum().Backward();
            g.AverageGradients([used, unused]);
            return (used.Grad!.ToArray<float>(), unused.Grad!.ToArray<float>());
        });
        foreach (var (used, unused) in results)
        {
            Assert.Equal([2f, 2f], used);
            Assert.Equal([0f, 0f, 0f], unused);
        }
    }

    [Fact]
    public void TheOptimiserAveragesGradientsWhileBackwardRuns_BucketByBucket_AndOnlyWhenArmed()
    {
        var results = OnTwoRanks(g =>
        {
            using var scope = DisposeScope.Enter();
            var a = new Parameter(Tensor.FromArray(new float[] { 1, 2, 3 }, 3));
            var b = new Parameter(Tensor.FromArray(new float[] { 4, 5 }, 2));
            var c = new Parameter(Tensor.FromArray(new double[] { 6 }, 1));   // another dtype: a bucket of its own
            var unused = new Parameter(Tensor.FromArray(new float[] { 7 }, 1));
            var frozen = new Parameter(Tensor.FromArray(new float[] { 9 }, 1), requiresGrad: false);   // takes no part
            // 8-byte buckets: one or two parameters each, so hooks start several all-reduces during backward.
            using var sgd = new Aigc.Torch.Optim.Sgd([a, b, c, unused, frozen], learningRate: 1) { DataParallel = g, GradientBucketBytes = 8 };
            for (int step = 0; step < 2; step++)
            {
                sgd.ZeroGrad();
                float k = g.Rank + 1;   // rank 0 scales its loss by 1, rank 1 by 2: the average is 1.5
                ((a * a).Sum() * k + b.Sum() * k + c.Sum() * (3.0 * k)).Backward();
                sgd.Step();
                // A backward outside the armed window (a GAN's discriminator during the generator's
                // step), on one rank only: it must start nothing, or the next step's collectives
                // would pair up wrongly and never finish.
                if (g.Rank == 0) (a.Sum() * 5).Backward();
            }
            Assert.Null(frozen.Grad);
            Assert.Equal([9f], frozen.ToArray<float>());
            return (a.ToArray<float>(), b.ToArray<float>(), c.ToArray<double>(), unused.ToArray<float>(), unused.Grad!.ToArray<float>());
        });
        // Two SGD steps of lr 1 on the averaged gradients: a ← a − 1.5·2a twice = 4a; b ← b − 1.5 twice; c ← c − 4.5 twice.
        foreach (var (a, b, c, unused, unusedGrad) in results)
        {
            Assert.Equal([4f, 8, 12], a);
            Assert.Equal([1f, 2], b);
            Assert.Equal([-3.0], c);
            Assert.Equal([7f], unused);
            Assert.Equal([0f], unusedGrad);
        }
    }

    [Fact]
    public void AnUnreachableStoreFailsWithinTheTimeoutNamingTheAddress()
    {
        int port = LocalLauncher.FreePort(); // nobody listens there
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<DistributedException>(() => ProcessGroup.Join("127.0.0.1", port, rank: 1, worldSize: 2, TimeSpan.FromSeconds(2)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Contains($"could not reach the rendezvous store at 127.0.0.1:{port}", e.Message);
        Assert.StartsWith("rank 1 of 2:", e.Message);
        Assert.Equal(1, e.Rank);
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        Assert.Equal("rank", Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroup.Join("127.0.0.1", 29500, 2, 2)).ParamName);
        Assert.Equal("worldSize", Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroup.Join("127.0.0.1", 29500, 0, 0)).ParamName);
        Assert.Equal("masterPort", Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroup.Join("127.0.0.1", 70000, 0, 1)).ParamName);
        Assert.Equal("timeout", Assert.Throws<ArgumentOutOfRangeException>(() => ProcessGroup.Join("127.0.0.1", 29500, 0, 1, TimeSpan.Zero)).ParamName);
    }

    [Fact]
    public void TheEnvironmentFollowsTorchrunsContract()
    {
        static DistributedEnvironment? Read(params (string Key, string Value)[] vars) =>
            DistributedEnvironment.Read(k => vars.FirstOrDefault(v => v.Key == k).Value);

        Assert.Null(Read(("RANK", "0")));
        Assert.Equal(new DistributedEnvironment("10.0.0.7", 1234, 3, 4, 1),
            Read(("WORLD_SIZE", "4"), ("RANK", "3"), ("LOCAL_RANK", "1"), ("MASTER_ADDR", "10.0.0.7"), ("MASTER_PORT", "1234")));
        Assert.Equal(new DistributedEnvironment("127.0.0.1", 29500, 1, 2, 1), Read(("WORLD_SIZE", "2"), ("RANK", "1")));
        Assert.Equal("RANK", Assert.Throws<ArgumentException>(() => Read(("WORLD_SIZE", "2"))).ParamName);
        Assert.Equal("RANK", Assert.Throws<ArgumentException>(() => Read(("WORLD_SIZE", "2"), ("RANK", "2"))).ParamName);
        Assert.Equal("MASTER_PORT", Assert.Throws<ArgumentException>(() => Read(("WORLD_SIZE", "2"), ("RANK", "0"), ("MASTER_PORT", "x"))).ParamName);
        var vars = new DistributedEnvironment("h", 5, 1, 2, 1).ToVariables();
        Assert.Equal(new DistributedEnvironment("h", 5, 1, 2, 1), DistributedEnvironment.Read(k => vars.GetValueOrDefault(k)));
    }
}
