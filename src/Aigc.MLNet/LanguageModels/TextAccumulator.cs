using System.Text;
using Aigc.MLNet.Text;

// Also compiled into Aigc.MLNet.Onnx, whose language model streams text the same way.
namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// Turns generated tokens into text as they arrive: byte-level tokens go through a stateful UTF-8
/// decoder, so a character split across tokens is only emitted once complete; stop sequences are
/// found across token boundaries, and text that might be the start of one is held back until it is
/// known not to be.
/// </summary>
internal sealed class TextAccumulator
{
    private readonly ITokenIds _tokenizer;
    private readonly IReadOnlyList<string> _stops;
    private readonly int _longestStop;
    private readonly Decoder? _utf8;
    private readonly bool _redecodes;
    private readonly List<long> _ids = [];
    private readonly StringBuilder _text = new();
    private int _emitted;

    public TextAccumulator(ITokenIds tokenizer, IReadOnlyList<string> stopSequences)
    {
        _tokenizer = tokenizer;
        _stops = stopSequences;
        _longestStop = stopSequences.Count == 0 ? 0 : stopSequences.Max(s => s.Length);
        if (tokenizer.Streaming == TokenText.Bytes) _utf8 = new UTF8Encoding(false, false).GetDecoder();
        _redecodes = tokenizer.Streaming == TokenText.Redecode;
    }

    /// <summary>True once a stop sequence was found; the text ends just before it.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The text so far (cut at a stop sequence once one is found).</summary>
    public string Text => _text.ToString();

    /// <summary>Adds a token; returns true when it completed a stop sequence.</summary>
    public bool Add(long id)
    {
        if (Stopped) return true;
        int before = _text.Length;
        if (_utf8 is not null)
        {
            var bytes = _tokenizer.DecodeBytes([id]);
            var chars = new char[_utf8.GetCharCount(bytes, flush: false)];
            _utf8.GetChars(bytes, chars, flush: false);
            _text.Append(chars);
        }
        else if (_tokenizer.Streaming == TokenText.Characters)
        {
            _text.Append(_tokenizer.Decode([id])); // one whole character per token
        }
        else
        {
            // Other tokenizers (Microsoft's, or ours seen through ONNX): re-decoding the whole output keeps characters that span
            // tokens correct; until such a character is complete it decodes as U+FFFD (held back below).
            _ids.Add(id);
            var full = _tokenizer.Decode(_ids.ToArray());
            _text.Clear().Append(full);
            before = Math.Min(before, _text.Length);
        }
        return FindStop(before);
    }

    /// <summary>Ends the text: bytes of a character that generation cut off are dropped rather than
    /// shown as U+FFFD, so the text holds whole characters only (the token ids still hold every byte).</summary>
    public void Flush()
    {
        if (Stopped) return;
        _utf8?.Reset();
        // A re-decoding tokenizer shows an incomplete last character as U+FFFD: that is the cut-off one.
        if (_redecodes)
            while (_text.Length > _emitted && _text[^1] == '\uFFFD') _text.Length--;
    }

    private bool FindStop(int changedFrom)
    {
        if (_longestStop == 0) return false;
        // Only the new text and the end of the old one can hold a new match; copying just that tail
        // keeps each token O(stop length) instead of O(text length).
        int from = Math.Max(0, changedFrom - _longestStop + 1);
        var tail = _text.ToString(from, _text.Length - from);
        int cut = -1;
        foreach (var stop in _stops)
        {
            int i = tail.IndexOf(stop, StringComparison.Ordinal);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut < 0) return false;
        _text.Length = from + cut;
        Stopped = true;
        return true;
    }

    /// <summary>The text that can be shown now and was not shown before. With <paramref name="final"/>
    /// everything left is returned.</summary>
    public string TakeReady(bool final = false)
    {
        int end = _text.Length;
        if (!final && !Stopped)
        {
            end -= Holdback();
            if (end > _emitted && char.IsHighSurrogate(_text[end - 1])) end--;
            while (_redecodes && end > _emitted && _text[end - 1] == '\uFFFD') end--;
        }
        if (end <= _emitted) return "";
        var piece = _text.ToString(_emitted, end - _emitted);
        _emitted = end;
        return piece;
    }

    // The longest end of the text that is the beginning of some stop sequence.
    private int Holdback()
    {
        for (int k = Math.Min(_longestStop - 1, _text.Length); k > 0; k--)
        {
            var tail = _text.ToString(_text.Length - k, k);
            foreach (var stop in _stops)
                if (stop.Length > k && stop.StartsWith(tail, StringComparison.Ordinal)) return k;
        }
        return 0;
    }
}
