using Aigc.MLNet.Data;
using Aigc.MLNet.LanguageModels;
using Microsoft.Extensions.AI;
using Microsoft.ML;

namespace Aigc.MLNet.Tests.LanguageModels;

/// <summary>A nano GPT trained (≈1 s) on a two-line dialogue, so the chat client's answers are known.</summary>
public sealed class DialogueModelFixture : IDisposable
{
    public DialogueModelFixture()
    {
        var ctx = Cpu.Context(12);
        var text = string.Concat(Enumerable.Repeat("User: hi\nAssistant: hello there\n", 40));
        var data = TestData.View([("Text", TextDataViewType.Instance, new[] { text })]);
        Model = ctx.Generative().Trainers.CausalLM(CausalLMOptions.Nano with { MaxSteps = 250, LearningRate = 3e-3, WarmupSteps = 10 }).Fit(data);
    }

    public CausalLMTransformer Model { get; }

    public void Dispose() => Model.Dispose();
}

public class ChatClientTests(DialogueModelFixture fixture) : IClassFixture<DialogueModelFixture>
{
    private static readonly ChatOptions Greedy = new() { Temperature = 0, MaxOutputTokens = 40 };
    private readonly IChatClient _client = fixture.Model.AsChatClient();

    private static List<ChatMessage> Hi() => [new(ChatRole.User, "hi")];

    [Fact]
    public async Task GetResponse_AnswersAndStopsAtTheNextUserTurn()
    {
        var response = await _client.GetResponseAsync(Hi(), Greedy);
        Assert.Equal(" hello there", response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
        int promptTokens = fixture.Model.Tokenizer.CountTokens("User: hi\nAssistant:");
        Assert.Equal(promptTokens, response.Usage!.InputTokenCount);
        // " hello there" plus the "\nUser:" that ended the turn.
        Assert.Equal(" hello there\nUser:".Length, response.Usage.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Streaming_YieldsPiecesThenUsageAndFinishReason()
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in _client.GetStreamingResponseAsync(Hi(), Greedy)) updates.Add(u);
        Assert.True(updates.Count > 3);
        Assert.Equal(" hello there", string.Concat(updates.Select(u => u.Text)));
        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Stop, last.FinishReason);
        Assert.Single(last.Contents.OfType<UsageContent>());
        Assert.All(updates.SkipLast(1), u => Assert.Null(u.FinishReason));
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());
    }

    [Fact]
    public async Task MaxOutputTokens_EndsWithLength()
    {
        var response = await _client.GetResponseAsync(Hi(), new ChatOptions { Temperature = 0, MaxOutputTokens = 3 });
        Assert.Equal(" he", response.Text);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal(3, response.Usage!.OutputTokenCount);
    }

    [Fact]
    public void ChatOptions_MapOntoGenerationOptions()
    {
        var client = (LanguageModelChatClient)_client;
        var g = client.ToGenerationOptions(new ChatOptions
        {
            Temperature = 0.7f, TopP = 0.9f, TopK = 20, MaxOutputTokens = 33, StopSequences = ["END"], Seed = 42,
            FrequencyPenalty = 0.5f, PresencePenalty = 0.25f,
        });
        Assert.Equal(0.7, g.Temperature, 6);
        Assert.True(g.DoSample);
        Assert.Equal(0.9, g.TopP, 6);
        Assert.Equal(20, g.TopK);
        Assert.Equal(33, g.MaxNewTokens);
        Assert.Equal(["\nUser:", "END"], g.StopSequences);
        Assert.Equal(42, g.Seed);
        Assert.Equal(0.5, g.FrequencyPenalty, 6);
        Assert.Equal(0.25, g.PresencePenalty, 6);
        Assert.False(client.ToGenerationOptions(new ChatOptions { Temperature = 0 }).DoSample);
        Assert.Equal("TopP", Assert.Throws<ArgumentOutOfRangeException>(() => client.ToGenerationOptions(new ChatOptions { TopP = 0 })).ParamName);
        Assert.NotNull(_client.GetService(typeof(ChatClientMetadata)));
        Assert.Same(fixture.Model, _client.GetService(typeof(CausalLMTransformer)));
    }

    [Fact]
    public async Task Cancellation_StopsMidGeneration()
    {
        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in _client.GetStreamingResponseAsync(Hi(), new ChatOptions { Temperature = 0, MaxOutputTokens = 200, StopSequences = ["zzz"] }, cts.Token))
                if (++seen == 2) await cts.CancelAsync();
        });
        Assert.Equal(2, seen);
    }

    [Fact]
    public async Task ConcurrentCalls_AreSafeAndReproducible()
    {
        var options = Enumerable.Range(0, 6).Select(i => new ChatOptions { Temperature = 1.2f, Seed = i, MaxOutputTokens = 20 }).ToArray();
        var sequential = new List<string>();
        foreach (var o in options) sequential.Add((await _client.GetResponseAsync(Hi(), o)).Text);
        var parallel = await Task.WhenAll(options.Select(o => Task.Run(() => _client.GetResponseAsync(Hi(), o))));
        Assert.Equal(sequential, parallel.Select(r => r.Text));
    }

    [Fact]
    public async Task BadMessages_GetClearErrors()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetResponseAsync([], Greedy));
        var tool = await Assert.ThrowsAsync<ArgumentException>(() => _client.GetResponseAsync([new ChatMessage(ChatRole.Tool, "x")], Greedy));
        Assert.Contains("tool", tool.Message);
    }
}
