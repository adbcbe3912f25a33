using System.Text;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// A string builder that gives up once the text grows past a budget, so hostile documents cannot
/// exhaust memory before the final length check. The budget leaves room for what normalisation removes.
/// </summary>
internal sealed class BoundedTextBuilder(int maxCharacters)
{
    private readonly StringBuilder _text = new();
    private readonly long _budget = Math.Min(int.MaxValue / 2, (2L * maxCharacters) + 1024);

    public int Length => _text.Length;

    public char? Last => _text.Length == 0 ? null : _text[^1];

    public BoundedTextBuilder Append(char c)
    {
        _text.Append(c);
        return Check();
    }

    public BoundedTextBuilder Append(ReadOnlySpan<char> text)
    {
        _text.Append(text);
        return Check();
    }

    public BoundedTextBuilder Append(string? text) => Append(text.AsSpan());

    /// <summary>Removes trailing spaces and tabs.</summary>
    public void TrimEndBlanks()
    {
        while (_text.Length > 0 && _text[^1] is ' ' or '\t')
        {
            _text.Length--;
        }
    }

    /// <summary>Ends the current line unless the text already ends with <paramref name="count"/> line ends.</summary>
    public void EnsureNewlines(int count)
    {
        TrimEndBlanks();
        if (_text.Length == 0)
        {
            return;
        }

        var existing = 0;
        while (existing < _text.Length && _text[_text.Length - 1 - existing] == '\n')
        {
            existing++;
        }

        for (; existing < count; existing++)
        {
            _text.Append('\n');
        }
    }

    public override string ToString() => _text.ToString();

    private BoundedTextBuilder Check() =>
        _text.Length > _budget ? throw ExtractionErrors.TooManyCharacters(maxCharacters) : this;
}
