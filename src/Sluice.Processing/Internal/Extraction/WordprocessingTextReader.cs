using System.Xml;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// Streams the text out of a WordprocessingML part (document.xml) without building a DOM:
/// runs' text, tabs and breaks; paragraphs (including those in table cells) end with a blank line.
/// Deleted revisions and field instructions are not text and are skipped.
/// </summary>
internal static class WordprocessingTextReader
{
    private const string Main = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    private const int ChunkSize = 4096;

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
    };

    public static void Read(Stream part, BoundedTextBuilder text, CancellationToken cancellationToken = default)
    {
        using var reader = XmlReader.Create(part, Settings);
        var chunk = new char[ChunkSize];
        var inText = false;
        var elements = 0;
        while (reader.Read())
        {
            if (++elements % 4096 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            switch (reader.NodeType)
            {
                case XmlNodeType.Element when reader.NamespaceURI == Main:
                    inText = StartElement(reader, text);
                    break;
                case XmlNodeType.EndElement when reader.NamespaceURI == Main:
                    inText = false;
                    if (reader.LocalName is "p" or "tc")
                    {
                        text.EnsureNewlines(2);
                    }

                    break;
                case XmlNodeType.Text or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace or XmlNodeType.CDATA when inText:
                    int read;
                    while ((read = reader.ReadValueChunk(chunk, 0, chunk.Length)) > 0)
                    {
                        text.Append(chunk.AsSpan(0, read));
                    }

                    break;
            }
        }
    }

    /// <summary>Handles a start element; returns whether its content is document text.</summary>
    private static bool StartElement(XmlReader reader, BoundedTextBuilder text)
    {
        switch (reader.LocalName)
        {
            case "t":
                return !reader.IsEmptyElement;
            case "tab":
                text.Append('\t');
                break;
            case "br" or "cr":
                text.Append('\n');
                break;
            case "noBreakHyphen":
                text.Append('-');
                break;
        }

        return false;
    }
}
