namespace Aigc.MLNet.Text;

/// <summary>GPT-2's reversible map between bytes and printable characters: bytes that are printable
/// Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves, the other 68 to U+0100 onwards in order,
/// so every byte string becomes a string of visible characters the BPE vocabulary is written in.</summary>
internal static class ByteLevel
{
    public static readonly char[] ByteToChar = Build();
    public static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, (byte)b)).ToDictionary(x => x.c, x => x.Item2);

    private static char[] Build()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }
}
