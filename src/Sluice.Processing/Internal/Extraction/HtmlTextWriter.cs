namespace Sluice.Processing.Internal.Extraction;

/// <summary>Accumulates HTML text: collapses whitespace outside <c>pre</c> and turns block elements into line ends.</summary>
internal sealed class HtmlTextWriter(BoundedTextBuilder text)
{
    private int _preformatted;
    private bool _pendingSpace;

    public void Open(string element)
    {
        if (element.Equals("pre", StringComparison.OrdinalIgnoreCase))
        {
            _preformatted++;
        }

        Break(element);
    }

    public void Close(string element)
    {
        if (element.Equals("pre", StringComparison.OrdinalIgnoreCase))
        {
            _preformatted--;
        }

        if (element.Equals("br", StringComparison.OrdinalIgnoreCase))
        {
            _pendingSpace = false;
            text.TrimEndBlanks();
            text.Append('\n');
            return;
        }

        Break(element);
    }

    public void Text(string value)
    {
        if (_preformatted > 0)
        {
            text.Append(value);
            _pendingSpace = false;
            return;
        }

        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                _pendingSpace = true;
                continue;
            }

            if (_pendingSpace && text.Last is not (null or '\n' or ' ' or '\t'))
            {
                text.Append(' ');
            }

            _pendingSpace = false;
            text.Append(c);
        }
    }

    public override string ToString() => text.ToString();

    private void Break(string element)
    {
        if (HtmlElements.Paragraphs.Contains(element))
        {
            _pendingSpace = false;
            text.EnsureNewlines(2);
        }
        else if (HtmlElements.Lines.Contains(element))
        {
            _pendingSpace = false;
            text.EnsureNewlines(1);
        }
        else if (HtmlElements.Cells.Contains(element) && text.Last is not (null or '\n' or '\t'))
        {
            _pendingSpace = false;
            text.TrimEndBlanks();
            text.Append('\t');
        }
    }
}
