using System.Xml;
using DocumentFormat.OpenXml.Packaging;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>DOCX text via the Open XML SDK, after <see cref="ZipBombGuard"/> has vetted the container.</summary>
internal static class DocxTextExtractor
{
    public static string Extract(Stream docx, ExtractionOptions options, CancellationToken cancellationToken = default)
    {
        ZipBombGuard.Check(docx, options.MaxInflatedBytes, options.MaxCompressionRatio, cancellationToken);
        using var document = Open(docx, options);
        var main = document.MainDocumentPart ?? throw ExtractionErrors.NotDocx("it has no main document part");
        var text = new BoundedTextBuilder(options.MaxCharacters);
        try
        {
            using var part = new LimitedReadStream(main.GetStream(FileMode.Open, FileAccess.Read), options.MaxInflatedBytes, options.MaxInflatedBytes);
            WordprocessingTextReader.Read(part, text, cancellationToken);
        }
        catch (XmlException ex)
        {
            throw ExtractionErrors.NotDocx("the document part is not well-formed XML", ex);
        }
        catch (InvalidDataException ex)
        {
            throw ExtractionErrors.NotDocx("the document part is corrupt", ex);
        }

        return text.ToString();
    }

    private static WordprocessingDocument Open(Stream docx, ExtractionOptions options)
    {
        var settings = new OpenSettings { MaxCharactersInPart = options.MaxInflatedBytes };
        try
        {
            return WordprocessingDocument.Open(docx, isEditable: false, settings);
        }
        catch (Exception ex) when (ex is OpenXmlPackageException or InvalidDataException or FileFormatException or XmlException
                                       or NotSupportedException or ArgumentException)
        {
            throw ExtractionErrors.NotDocx("it is not a Word document package", ex);
        }
    }
}
