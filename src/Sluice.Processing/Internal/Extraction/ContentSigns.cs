namespace Sluice.Processing.Internal.Extraction;

/// <summary>Byte- and text-level signs used to sniff a document's format from its head.</summary>
internal static class ContentSigns
{
    private const int PdfSignatureWindow = 1024;
    private const double MaxControlRatio = 0.05;

    public static bool IsPdf(ReadOnlySpan<byte> head) =>
        head[..Math.Min(head.Length, PdfSignatureWindow)].IndexOf("%PDF-"u8) >= 0;

    public static bool IsZip(ReadOnlySpan<byte> head) =>
        head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8) || head.StartsWith("PK\x07\x08"u8);

    /// <summary>Entry names that only a WordprocessingML package has (names are stored uncompressed in local headers).</summary>
    public static bool HasDocxEntries(ReadOnlySpan<byte> head) =>
        head.IndexOf("word/"u8) >= 0 || (head.IndexOf("[Content_Types].xml"u8) >= 0 && head.IndexOf("_rels/"u8) >= 0
            && head.IndexOf("xl/"u8) < 0 && head.IndexOf("ppt/"u8) < 0);

    /// <summary>Whether decoded text is mostly control characters other than tab, CR, LF and FF (binary data).</summary>
    public static bool LooksBinary(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        var controls = 0;
        foreach (var c in text)
        {
            if (IsUnwantedControl(c))
            {
                controls++;
            }
        }

        return controls >= 4 && controls > text.Length * MaxControlRatio;
    }

    public static bool IsUnwantedControl(char c) => (c < 0x20 && c is not ('\t' or '\n' or '\r' or '\f')) || c == '\x7F';

    /// <summary>Whether the text starts like an HTML document, or has the elements only an HTML page has.</summary>
    public static bool LooksLikeHtmlDocument(string text) =>
        StartsLikeHtmlDocument(text) || ContainsTag(text, "<html") || ContainsTag(text, "<body") || ContainsTag(text, "<head");

    /// <summary>Whether the text starts with an HTML document preamble (doctype or html element).</summary>
    public static bool StartsLikeHtmlDocument(string text)
    {
        var start = text.AsSpan().TrimStart();
        return start.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
            || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether the text has any markup (an element, end tag, comment or doctype).</summary>
    public static bool HasMarkup(string text)
    {
        for (var i = text.IndexOf('<', StringComparison.Ordinal); i >= 0 && i + 1 < text.Length; i = text.IndexOf('<', i + 1))
        {
            var next = text[i + 1];
            if (char.IsAsciiLetter(next) || next is '/' or '!')
            {
                return true;
            }
        }

        return false;
    }

    public static string DecodeHead(ReadOnlySpan<byte> head)
    {
        var encoding = TextDecoder.Detect(head, out var bomLength);
        return encoding.GetString(head[bomLength..]);
    }

    private static bool ContainsTag(string text, string tagStart)
    {
        for (var i = text.IndexOf(tagStart, StringComparison.OrdinalIgnoreCase); i >= 0;
             i = text.IndexOf(tagStart, i + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = i + tagStart.Length;
            if (end < text.Length && (text[end] is '>' or '/' || char.IsWhiteSpace(text[end])))
            {
                return true;
            }
        }

        return false;
    }
}
