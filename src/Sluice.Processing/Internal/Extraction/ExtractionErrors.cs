using System.Globalization;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>The user-facing reasons extraction gives up, in one place so they stay consistent.</summary>
internal static class ExtractionErrors
{
    public static ExtractionException NoText() => new("the document contains no text");

    public static ExtractionException TooManyCharacters(int max) =>
        new(string.Create(CultureInfo.InvariantCulture, $"extracted text exceeds the limit of {max} characters"));

    public static ExtractionException InputTooLarge(long max) =>
        new(string.Create(CultureInfo.InvariantCulture, $"the document is larger than the limit of {max} bytes for text, HTML and Markdown"));

    public static ExtractionException PdfEncrypted(Exception inner) =>
        new("the PDF is encrypted; remove the password and upload it again", inner);

    public static ExtractionException PdfDamaged(string detail, Exception? inner = null) =>
        inner is null ? new($"the PDF is damaged or truncated ({detail})") : new($"the PDF is damaged or truncated ({detail})", inner);

    public static ExtractionException PdfNoText() =>
        new("the PDF has no extractable text (scanned pages need OCR, which is not supported)");

    public static ExtractionException NotDocx(string detail, Exception? inner = null) =>
        inner is null ? new($"not a valid DOCX file: {detail}") : new($"not a valid DOCX file: {detail}", inner);

    public static ExtractionException DocxTooLarge(long max) =>
        new(string.Create(CultureInfo.InvariantCulture, $"the DOCX expands beyond the limit of {max} bytes"));

    public static ExtractionException DocxCompressionRatio(int maxRatio) =>
        new(string.Create(CultureInfo.InvariantCulture, $"the DOCX is compressed more than {maxRatio}:1, which only zip bombs are"));

    public static ExtractionException HtmlTooDeep(int maxDepth) =>
        new(string.Create(CultureInfo.InvariantCulture, $"the HTML nests elements deeper than {maxDepth} levels"));

    public static ExtractionException UnknownFormat(string format) =>
        new($"'{format}' documents are not supported");
}
