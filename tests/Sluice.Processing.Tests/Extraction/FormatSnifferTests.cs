using System.IO.Compression;
using System.Text;

namespace Sluice.Processing.Tests.Extraction;

public sealed class FormatSnifferTests
{
    private static SniffResult Sniff(byte[] content, string? name, string? type = null) =>
        FormatSniffer.Sniff(content.AsSpan(0, Math.Min(content.Length, FormatSniffer.HeadLength)), name, type);

    [Fact]
    public void A_pdf_is_recognised_by_its_signature_whatever_its_name()
    {
        var result = Sniff(TestPdfs.Build(["hello"]), "notes.txt", "text/plain");

        Assert.Equal(DocumentFormats.Pdf, result.Format);
        Assert.Equal(DocumentFormats.PdfContentType, result.ContentType);
        Assert.True(result.IsSupported);
    }

    [Fact]
    public void A_pdf_signature_after_leading_junk_within_the_first_kilobyte_still_counts()
    {
        var content = Encoding.ASCII.GetBytes(new string(' ', 300)).Concat(TestPdfs.Build(["hello"])).ToArray();

        Assert.Equal(DocumentFormats.Pdf, Sniff(content, "x.pdf").Format);
    }

    [Fact]
    public void Random_bytes_named_pdf_are_unsupported_binary()
    {
        var content = new byte[4096];
        new Random(42).NextBytes(content);

        var result = Sniff(content, "report.pdf", "application/pdf");

        Assert.False(result.IsSupported);
        Assert.Null(result.Format);
        Assert.Contains("binary", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_content_is_unsupported()
    {
        var result = FormatSniffer.Sniff([], "empty.txt", "text/plain");

        Assert.False(result.IsSupported);
        Assert.Equal("empty", result.Reason);
    }

    [Fact]
    public void A_docx_is_recognised_by_its_zip_entries_whatever_its_name()
    {
        var result = Sniff(TestDocx.Build(["Hello"]), "upload.bin", null);

        Assert.Equal(DocumentFormats.Docx, result.Format);
        Assert.Equal(DocumentFormats.DocxContentType, result.ContentType);
    }

    [Fact]
    public void A_zip_that_is_not_a_docx_is_unsupported()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = new StreamWriter(zip.CreateEntry("photos/readme.txt").Open());
            entry.Write("holiday pictures");
        }

        var result = Sniff(buffer.ToArray(), "archive.zip", "application/zip");

        Assert.False(result.IsSupported);
        Assert.Equal("a zip archive that is not a DOCX document", result.Reason);
    }

    [Fact]
    public void Text_with_a_few_nul_bytes_and_invalid_utf8_is_still_text()
    {
        var content = Encoding.UTF8.GetBytes("Quarterly report — revenue grew.\nSecond line with café.\n")
            .Concat(new byte[] { 0, 0xFF, 0xFE, 0 })
            .Concat(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("More ordinary prose follows here. ", 20))))
            .ToArray();

        Assert.Equal(DocumentFormats.Text, Sniff(content, "report.txt").Format);
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><body><p>Hi</p></body></html>", "page.txt", null, DocumentFormats.Html)]
    [InlineData("<html lang=\"en\"><p>Hi</p></html>", null, null, DocumentFormats.Html)]
    [InlineData("<p>Only a fragment</p>", "fragment.html", null, DocumentFormats.Html)]
    [InlineData("<p>Only a fragment</p>", "fragment", "text/html; charset=utf-8", DocumentFormats.Html)]
    [InlineData("Use a <p> element for paragraphs.", "notes.txt", null, DocumentFormats.Text)]
    [InlineData("# Title\n\nSome *markdown*.", "README.md", null, DocumentFormats.Markdown)]
    [InlineData("# Title\n\n```html\n<html><body></body></html>\n```", "guide.markdown", null, DocumentFormats.Markdown)]
    [InlineData("# Title", "upload", "text/markdown", DocumentFormats.Markdown)]
    [InlineData("# Title", "notes.txt", null, DocumentFormats.Text)]
    [InlineData("Plain words.", "data.pdf", "application/pdf", DocumentFormats.Text)]
    public void Text_like_content_is_html_markdown_or_text(string content, string? name, string? type, string expected)
    {
        Assert.Equal(expected, Sniff(Encoding.UTF8.GetBytes(content), name, type).Format);
    }

    [Fact]
    public void Utf16_text_with_a_bom_is_text_not_binary()
    {
        var content = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("Hello from UTF-16 text.")).ToArray();

        Assert.Equal(DocumentFormats.Text, Sniff(content, "notes.txt").Format);
    }
}
