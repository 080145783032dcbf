using System.Text;
using Aigc.MLNet.Text;

namespace Aigc.MLNet.Tests;

public class BpeTrainerTests
{
    private static string[] Corpus() => File.ReadAllText("/usr/share/games/fortunes/computers").Split("\n%\n");

    [Fact]
    public void Train_ReachesTheVocabularySize_AndCompressesText()
    {
        var corpus = Corpus();
        var t = BpeTrainer.Train(corpus, vocabularySize: 600);
        Assert.Equal(600, t.VocabularySize);
        Assert.Equal(599L, t.SpecialTokens[ByteLevelBpeTokenizer.EndOfText]);
        var text = string.Join("\n%\n", corpus);
        long bytes = Encoding.UTF8.GetByteCount(text);
        long tokens = t.Encode(text).Length;
        Assert.True(tokens < 0.5 * bytes, $"{tokens} tokens for {bytes} bytes");
        Assert.Equal(text, t.Decode(t.Encode(text)));
    }

    [Fact]
    public void Train_IsDeterministic_AndSavedFilesLoadBack()
    {
        var a = BpeTrainer.Train(Corpus(), 400);
        var b = BpeTrainer.Train(Corpus(), 400);
        Assert.Equal(a.Merges, b.Merges);
        var dir = Directory.CreateTempSubdirectory("aigc-bpe-train-").FullName;
        try
        {
            a.Save(Path.Combine(dir, "encoder.json"), Path.Combine(dir, "vocab.bpe"));
            var loaded = ByteLevelBpeTokenizer.Load(Path.Combine(dir, "encoder.json"), Path.Combine(dir, "vocab.bpe"));
            const string sample = "Don't panic: the computer's 42 bytes are fine. 👍";
            Assert.Equal(a.Encode(sample), loaded.Encode(sample));
            Assert.Equal(a.VocabularySize, loaded.VocabularySize);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Train_RejectsTooSmallVocabulary_AndStopsWhenPairsRunOut()
    {
        Assert.Equal("vocabularySize", Assert.Throws<ArgumentOutOfRangeException>(() => BpeTrainer.Train(["abc"], 100)).ParamName);
        var tiny = BpeTrainer.Train(["ab ab ab"], 10_000);
        Assert.True(tiny.VocabularySize < 300); // a three-piece corpus has few pairs to merge
        Assert.Equal("ab ab ab", tiny.Decode(tiny.Encode("ab ab ab")));
    }
}
