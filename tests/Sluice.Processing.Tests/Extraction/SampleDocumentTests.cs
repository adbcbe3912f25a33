namespace Sluice.Processing.Tests.Extraction;

/// <summary>The documents in the repository's <c>samples/</c> folder sniff and extract as a newcomer would expect.</summary>
public sealed class SampleDocumentTests
{
    [Theory]
    [InlineData("sluice-overview.pdf", DocumentFormats.Pdf, "Sluice moves every upload through four stages: store, extract, chunk and embed.")]
    [InlineData("release-notes.docx", DocumentFormats.Docx, "Release 0.1 introduces resumable processing after a crash.")]
    [InlineData("architecture.html", DocumentFormats.Html, "Every stage reads its input from the event log and writes its output to the blob store.")]
    [InlineData("README-sample.md", DocumentFormats.Markdown, "Drop a folder of documents into Sluice and ask questions of them minutes later.")]
    [InlineData("notes.txt", DocumentFormats.Text, "Chunks of about two hundred words gave the best retrieval in our notes.")]
    public async Task Each_sample_is_sniffed_and_extracted(string fileName, string format, string sentence)
    {
        var content = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "samples", fileName), TestContext.Current.CancellationToken);

        var sniffed = FormatSniffer.Sniff(content.AsSpan(0, Math.Min(content.Length, FormatSniffer.HeadLength)), fileName, null);
        var extracted = await Extract.BytesAsync(content, format);

        Assert.Equal(format, sniffed.Format);
        Assert.Contains(sentence, extracted.Text.ReplaceLineEndings(" "), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_pdf_cites_its_pages()
    {
        var content = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "samples", "sluice-overview.pdf"), TestContext.Current.CancellationToken);

        var extracted = await Extract.BytesAsync(content, DocumentFormats.Pdf);

        Assert.NotNull(extracted.Pages);
        Assert.Equal([1, 2, 3], extracted.Pages.Select(p => p.Page));
        Assert.StartsWith("From text to answers", extracted.Text[extracted.Pages[2].Offset..], StringComparison.Ordinal);
    }
}
