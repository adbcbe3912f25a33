using System.Diagnostics;

namespace Sluice.Processing.Tests.Extraction;

public sealed class PdfExtractionTests
{
    private static readonly string[][] ThreePages =
    [
        ["Ingestion starts when a document is uploaded.", "The blob store keeps the original bytes."],
        ["Extraction turns the upload into plain text."],
        ["Chunking splits text into passages for retrieval."],
    ];

    [Fact]
    public async Task Each_page_is_extracted_in_order_and_page_starts_point_at_that_page()
    {
        var result = await Extract.BytesAsync(TestPdfs.Build(ThreePages), DocumentFormats.Pdf);

        Assert.NotNull(result.Pages);
        Assert.Equal([1, 2, 3], result.Pages.Select(p => p.Page));
        for (var i = 0; i < ThreePages.Length; i++)
        {
            var start = result.Pages[i].Offset;
            var end = i + 1 < ThreePages.Length ? result.Pages[i + 1].Offset : result.Text.Length;
            var pageText = result.Text[start..end].Trim();
            Assert.StartsWith(ThreePages[i][0], pageText, StringComparison.Ordinal);
            Assert.Equal(string.Join("\n", ThreePages[i]), pageText);
        }

        Assert.Contains("blob store keeps the original bytes.\n\nExtraction turns", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_pdf_is_reported_as_damaged()
    {
        var pdf = TestPdfs.Build(ThreePages);

        var error = await Extract.FailureAsync(pdf[..(pdf.Length / 2)], DocumentFormats.Pdf);

        Assert.Contains("damaged", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(200)]
    [InlineData(-40)]
    public async Task A_pdf_cut_anywhere_never_extracts_as_an_empty_or_shorter_success(int cut)
    {
        var pdf = TestPdfs.Build(ThreePages);
        var length = cut > 0 ? cut : pdf.Length + cut;

        var error = await Extract.FailureAsync(pdf[..length], DocumentFormats.Pdf);

        Assert.False(string.IsNullOrWhiteSpace(error.Reason));
    }

    [Fact]
    public async Task An_encrypted_pdf_asks_for_the_password_to_be_removed()
    {
        var pdf = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Extraction", "Fixtures", "encrypted.pdf"),
            TestContext.Current.CancellationToken);

        var error = await Extract.FailureAsync(pdf, DocumentFormats.Pdf);

        Assert.Equal("the PDF is encrypted; remove the password and upload it again", error.Reason);
    }

    [Fact]
    public async Task A_pdf_without_text_needs_ocr()
    {
        var error = await Extract.FailureAsync(TestPdfs.BuildBlank(2), DocumentFormats.Pdf);

        Assert.Contains("no extractable text", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Random_bytes_are_not_a_pdf()
    {
        var content = new byte[10_000];
        new Random(7).NextBytes(content);

        await Extract.FailureAsync(content, DocumentFormats.Pdf);
    }

    [Fact]
    public async Task A_hundred_page_pdf_extracts_every_page_in_seconds()
    {
        var pages = Enumerable.Range(1, 100)
            .Select(p => Enumerable.Range(1, 40).Select(l => $"Page {p} line {l}: retrieval quality depends on clean text.").ToArray())
            .ToArray();
        var pdf = TestPdfs.Build(pages);
        var clock = Stopwatch.StartNew();

        var result = await Extract.BytesAsync(pdf, DocumentFormats.Pdf);

        TestContext.Current.SendDiagnosticMessage($"100-page PDF ({pdf.Length} bytes) extracted in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(100, result.Pages!.Count);
        Assert.Contains("Page 100 line 40:", result.Text, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Extraction_stops_when_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var extractor = new DocumentExtractor(new ExtractionOptions());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            extractor.ExtractAsync(new MemoryStream(TestPdfs.Build(ThreePages)), DocumentFormats.Pdf, cancelled.Token));
    }
}
