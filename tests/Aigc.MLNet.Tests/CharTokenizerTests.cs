using Aigc.MLNet.Text;

namespace Aigc.MLNet.Tests;

public class CharTokenizerTests
{
    [Fact]
    public void FromCorpus_AssignsIdsBySortedCodePoint_AndRoundTrips()
    {
        var t = CharTokenizer.FromCorpus(["hello", "world 👍"]);
        Assert.Equal([" ", "d", "e", "h", "l", "o", "r", "w", "👍"], t.Vocabulary);
        Assert.Equal([3L, 2, 4, 4, 5], t.Encode("hello"));
        Assert.Equal("world 👍", t.Decode(t.Encode("world 👍")));
        Assert.Single(t.Encode("👍")); // a surrogate pair is one character
    }

    [Fact]
    public void Encode_UnknownCharacter_NamesItAndItsIndex()
    {
        var t = CharTokenizer.FromCorpus(["abc"]);
        var e = Assert.Throws<ArgumentException>(() => t.Encode("abz"));
        Assert.Contains("'z' (U+007A) at index 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode([3L]));
        Assert.Throws<ArgumentException>(() => CharTokenizer.FromCorpus([""]));
    }

    [Fact]
    public void Json_RoundTrips_AndRejectsMalformed()
    {
        var t = CharTokenizer.FromCorpus([File.ReadAllText("/usr/share/games/fortunes/computers")]);
        var back = CharTokenizer.FromJson(t.ToJson());
        Assert.Equal(t.Vocabulary, back.Vocabulary);
        Assert.Throws<InvalidDataException>(() => CharTokenizer.FromJson("[1,"));
        Assert.Throws<InvalidDataException>(() => CharTokenizer.FromJson("[55296]")); // a surrogate code point
        Assert.Throws<InvalidDataException>(() => CharTokenizer.FromJson("[65, 65]"));
        Assert.Throws<InvalidDataException>(() => CharTokenizer.FromJson("[]"));
    }
}
