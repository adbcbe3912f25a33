using System.Globalization;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>The user-facing reasons extraction gives up, in one place so they stay consistent.</summary>
internal static class ExtractionErrors
{
    public static ExtractionException NoText() => new("the document contains no text");

    public static ExtractionException TooManyCharacters(int max) =>
        new(Invariant($"extracted text exceeds the limit of {max:N0} characters ({Setting(nameof(ExtractionOptions.MaxCharacters))})"));

    public static ExtractionException TooManyPdfPages(int pages, int max) =>
        new(Invariant($"the PDF has {pages:N0} pages, over the limit of {max:N0} ({Setting(nameof(ExtractionOptions.MaxPdfPages))})"));

    public static ExtractionException TooManyHtmlElements(int elements, int max) =>
        new(Invariant($"the HTML has {elements:N0} elements, over the limit of {max:N0} ({Setting(nameof(ExtractionOptions.MaxHtmlElements))})"));

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

    public static ExtractionException ChildOutOfMemory(int limitMiB) =>
        new(Invariant($"the extractor process ran out of memory (limit {limitMiB:N0} MiB, {Setting(nameof(ExtractionOptions.ChildMemoryLimitMiB))})"));

    public static ExtractionException ChildStackOverflow() =>
        new("the extractor process crashed with a stack overflow");

    public static ExtractionException ChildTimedOut(TimeSpan limit) =>
        new(Invariant($"the extractor process took longer than {limit:c} and was stopped ({Setting(nameof(ExtractionOptions.ChildTimeout))})"));

    /// <summary>On Unix a child killed by signal N exits with 128 + N.</summary>
    public static ExtractionException ChildCrashed(int exitCode) => exitCode is > 128 and < 160
        ? new(Invariant($"the extractor process crashed (signal {exitCode - 128})"))
        : new(Invariant($"the extractor process crashed (exit code {exitCode})"));

    /// <summary>The configuration key of an <see cref="ExtractionOptions"/> limit, so a reason says what to raise.</summary>
    public static string Setting(string option) => ExtractionOptions.ConfigurationPath + ":" + option;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
