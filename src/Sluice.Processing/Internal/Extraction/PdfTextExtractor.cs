using System.Globalization;
using Sluice.Core.Events;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// PDF text via PdfPig, page by page in content order. Pages are joined by a blank line and each
/// page's start offset is recorded; the text is normalised page by page so the offsets stay exact.
/// </summary>
internal static class PdfTextExtractor
{
    private const int EndMarkerWindow = 1024;
    private const string PageSeparator = "\n\n";

    private static readonly ContentOrderTextExtractor.Options LayoutOptions = new()
    {
        SeparateParagraphsWithDoubleNewline = true,
    };

    public static ExtractedText Extract(Stream pdf, ExtractionOptions options, CancellationToken cancellationToken = default)
    {
        EnsureComplete(pdf);
        using var document = Open(pdf);
        if (document.NumberOfPages == 0)
        {
            throw ExtractionErrors.PdfDamaged("it has no pages");
        }

        if (document.NumberOfPages > options.MaxPdfPages)
        {
            throw ExtractionErrors.TooManyPdfPages(document.NumberOfPages, options.MaxPdfPages);
        }

        var text = new BoundedTextBuilder(options.MaxCharacters);
        var pages = new List<PageStart>(document.NumberOfPages);
        for (var number = 1; number <= document.NumberOfPages; number++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var pageText = TextNormalizer.Normalize(ReadPage(document, number));
            if (pageText.Length > 0 && text.Length > 0)
            {
                text.Append(PageSeparator);
            }

            pages.Add(new PageStart(number, text.Length));
            text.Append(pageText);
        }

        if (text.Length == 0)
        {
            throw ExtractionErrors.PdfNoText();
        }

        return new ExtractedText(text.ToString(), pages);
    }

    /// <summary>A complete PDF ends with <c>%%EOF</c>; a cut-off upload does not, and must not pass as a shorter document.</summary>
    private static void EnsureComplete(Stream pdf)
    {
        var window = (int)Math.Min(pdf.Length, EndMarkerWindow);
        var tail = new byte[window];
        pdf.Seek(-window, SeekOrigin.End);
        pdf.ReadExactly(tail);
        pdf.Position = 0;
        if (tail.AsSpan().IndexOf("%%EOF"u8) < 0)
        {
            throw ExtractionErrors.PdfDamaged("it does not end with an end-of-file marker");
        }
    }

    private static PdfDocument Open(Stream pdf)
    {
        try
        {
            return PdfDocument.Open(pdf, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw ExtractionErrors.PdfEncrypted(ex);
        }
        catch (Exception ex) when (IsParserFailure(ex))
        {
            throw ExtractionErrors.PdfDamaged("it cannot be parsed", ex);
        }
    }

    private static string ReadPage(PdfDocument document, int number)
    {
        try
        {
            var page = document.GetPage(number);
            return ContentOrderTextExtractor.GetText(page, LayoutOptions);
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw ExtractionErrors.PdfEncrypted(ex);
        }
        catch (Exception ex) when (IsParserFailure(ex))
        {
            throw ExtractionErrors.PdfDamaged(string.Create(CultureInfo.InvariantCulture, $"page {number} cannot be read"), ex);
        }
    }

    /// <summary>
    /// PdfPig reports broken input with many exception types (format, argument, index, cast…); all of them
    /// are permanent for the document. Cancellation, memory exhaustion and local I/O failures are not
    /// (the parser reads a local copy, so an I/O failure is the machine's, not the document's).
    /// </summary>
    internal static bool IsParserFailure(Exception ex) => ex switch
    {
        OperationCanceledException or OutOfMemoryException or ExtractionException => false,
        EndOfStreamException => true,
        IOException => false,
        _ => true,
    };
}
