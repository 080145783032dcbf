using Aigc.MLNet.Data;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Text;
using Microsoft.ML;

namespace Aigc.MLNet.Tests.LanguageModels;

/// <summary>Language models read token ids (variable-length <c>Vector&lt;Int32&gt;</c> columns) as well
/// as text: for training, perplexity and prompts, and write the generated ids as a column.</summary>
public class TokenColumnTests
{
    private sealed class TextRow
    {
        public string Text { get; set; } = "";
    }

    private sealed class TokenRow
    {
        public int[] Text { get; set; } = [];
    }

    private sealed class PromptRow
    {
        public string Prompt { get; set; } = "";
    }

    private sealed class PromptTokensRow
    {
        public int[] Prompt { get; set; } = [];
    }

    private sealed class Completed
    {
        public string Completion { get; set; } = "";
        public int[] CompletionTokens { get; set; } = [];
    }

    private static readonly string[] Docs = Corpus.ReadTexts(
        new MLContext(0).Data.LoadTextCorpus("/usr/share/games/fortunes/computers", new TextCorpusOptions { Split = TextSplit.Separator }), "Text")
        .Take(30).ToArray();

    private static CharTokenizer Tokenizer => CharTokenizer.FromCorpus(Docs.Append("\n\n"));

    [Fact]
    public void TrainingOnTokenIds_EqualsTrainingOnTheTextTheyEncode()
    {
        var ml = Cpu.Context(5);
        var tokenizer = Tokenizer;
        var options = CausalLMOptions.Nano with { Tokenizer = tokenizer, MaxSteps = 6, Seed = 3 };
        var text = ml.Data.LoadFromEnumerable(Docs.Select(d => new TextRow { Text = d }));
        var tokens = ml.Data.LoadFromEnumerable(Docs.Select(d => new TokenRow { Text = tokenizer.EncodeToIds(d).ToArray() }));
        Assert.True(ColumnRequirement.IsTokens(tokens.Schema["Text"].Type));

        using var fromText = ml.Generative().Trainers.CausalLM(options).Fit(text);
        using var fromTokens = ml.Generative().Trainers.CausalLM(options).Fit(tokens);
        Assert.Equal(fromText.Training.FinalLosses["loss"], fromTokens.Training.FinalLosses["loss"]);
        Assert.Equal(fromText.EvaluatePerplexity(text).Loss, fromTokens.EvaluatePerplexity(tokens).Loss, 6);
    }

    [Fact]
    public void TokenPrompts_CompleteAsTheirText_AndTheIdsColumnDecodesToTheCompletion()
    {
        var ml = Cpu.Context(6);
        var tokenizer = Tokenizer;
        var options = CausalLMOptions.Nano with { Tokenizer = tokenizer, MaxSteps = 4, WarmupSteps = 1, Seed = 2, Generation = new GenerationOptions { MaxNewTokens = 12 } };
        using var lm = ml.Generative().Trainers.CausalLM(options).Fit(ml.Data.LoadFromEnumerable(Docs.Select(d => new TextRow { Text = d })));
        string[] prompts = ["The comp", "Unix is", "A"];
        var textOut = ml.Data.CreateEnumerable<Completed>(lm.Transform(ml.Data.LoadFromEnumerable(prompts.Select(p => new PromptRow { Prompt = p }))), false).ToList();
        var tokenOut = ml.Data.CreateEnumerable<Completed>(lm.Transform(ml.Data.LoadFromEnumerable(
            prompts.Select(p => new PromptTokensRow { Prompt = tokenizer.EncodeToIds(p).ToArray() }))), false).ToList();
        Assert.Equal(textOut.Select(r => r.Completion), tokenOut.Select(r => r.Completion));
        foreach (var row in tokenOut)
        {
            Assert.Equal(12, row.CompletionTokens.Length);
            Assert.Equal(row.Completion, tokenizer.Decode(row.CompletionTokens));
        }
    }

    [Fact]
    public void BadTokenColumns_GetClearErrors()
    {
        var ml = Cpu.Context(7);
        var tokenizer = Tokenizer;
        var good = ml.Data.LoadFromEnumerable(Docs.Select(d => new TokenRow { Text = tokenizer.EncodeToIds(d).ToArray() }));
        var noTokenizer = Assert.Throws<ArgumentException>(() => ml.Generative().Trainers.CausalLM(CausalLMOptions.Nano with { MaxSteps = 2, WarmupSteps = 0 }).Fit(good));
        Assert.Contains("holds token ids; set CausalLMOptions.Tokenizer", noTokenizer.Message);

        var rows = Docs.Select(d => new TokenRow { Text = tokenizer.EncodeToIds(d).ToArray() }).ToList();
        rows[3].Text[5] = 100_000;
        var outside = Assert.Throws<ArgumentException>(() => ml.Generative().Trainers.CausalLM(CausalLMOptions.Nano with { MaxSteps = 2, WarmupSteps = 0, Tokenizer = tokenizer })
            .Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("row 3 holds token id 100000, outside", outside.Message);

        var floats = SchemaShapes.Of(TestData.View([("Text", new VectorDataViewType(NumberDataViewType.Single, 3), new[] { new float[3] })]).Schema);
        var mistyped = Assert.Throws<SchemaMismatchException>(() => ml.Generative().Trainers.CausalLM(CausalLMOptions.Nano).GetOutputSchema(floats));
        Assert.Contains("Text (String) or token ids (Vector<Int32>)", mistyped.Message);
        var shape = ml.Generative().Trainers.CausalLM(CausalLMOptions.Nano).GetOutputSchema(SchemaShapes.Of(good.Schema));
        Assert.Contains(shape, c => c.Name == "CompletionTokens" && c.Kind == SchemaShape.Column.VectorKind.VariableVector);
    }
}
