using Aigc.MLNet.Data;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Tests.LanguageModels;
using Aigc.MLNet.Vae;
using Microsoft.Extensions.AI;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

/// <summary>Eight threads on one loaded model give what serial calls with the same seeds give.</summary>
public class ConcurrencyTests(DialogueModelFixture dialogue) : IClassFixture<DialogueModelFixture>
{
    private static T[] EightThreads<T>(Func<int, T> call)
    {
        var results = new T[8];
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = call(i);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results;
    }

    [Fact]
    public void ImageGenerators_EightThreads_MatchSerialCalls()
    {
        var ctx = Cpu.Context(2);
        var rand = new Random(1);
        var images = TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28),
            Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, 784).Select(_ => (float)rand.NextDouble() * 2 - 1).ToArray()).ToArray())]);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 2, Loss = ReconstructionLoss.MeanSquaredError }).Fit(images);
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano with { MaxSteps = 2 }).Fit(images);
        using var diffusion = ctx.Generative().Trainers.Diffusion(DiffusionOptions.Nano with { MaxSteps = 2 }).Fit(images);
        var ddim = new SamplingOptions { Steps = 4, Eta = 1 };
        Func<int, float[]>[] calls =
        [
            i => { using var t = vae.Sample(4, seed: i); return t.ToArray<float>(); },
            i => { using var t = gan.Generate(4, seed: i); return t.ToArray<float>(); },
            i => { using var t = diffusion.Generate(2, seed: i, options: ddim); return t.ToArray<float>(); },
        ];
        foreach (var call in calls)
        {
            var serial = Enumerable.Range(0, 8).Select(call).ToArray();
            var parallel = EightThreads(call);
            for (int i = 0; i < 8; i++) Assert.Equal(serial[i], parallel[i]);
        }
    }

    [Fact]
    public void Text_EightThreads_MatchSerialCalls()
    {
        var options = new GenerationOptions { MaxNewTokens = 25, Temperature = 1.3 };
        var serial = Enumerable.Range(0, 8).Select(i => dialogue.Model.Generate("User: hi\n", options with { Seed = i }).Text).ToArray();
        Assert.Equal(serial, EightThreads(i => dialogue.Model.Generate("User: hi\n", options with { Seed = i }).Text));
    }

    [Fact]
    public async Task ChatClient_ConcurrentStreams_HalfCancelled_TheRestComplete()
    {
        var client = dialogue.Model.AsChatClient();
        ChatOptions Options(int seed) => new() { Temperature = 0.9f, MaxOutputTokens = 60, StopSequences = ["zzz"], Seed = seed };
        var expected = new string[8];
        for (int i = 0; i < 8; i++)
            expected[i] = (await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options(i))).Text;
        var tasks = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            using var cts = new CancellationTokenSource();
            var text = "";
            int pieces = 0;
            await foreach (var u in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")], Options(i), cts.Token))
            {
                text += u.Text;
                if (i % 2 == 1 && ++pieces == 3) await cts.CancelAsync();
            }
            return text;
        })).ToArray();
        for (int i = 0; i < 8; i++)
        {
            if (i % 2 == 1) await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tasks[i]);
            else Assert.Equal(expected[i], await tasks[i]);
        }
    }
}
