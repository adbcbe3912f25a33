using System.Text;

namespace Sluice.Processing.Tests.Extraction;

public sealed class TextExtractionTests
{
    [Fact]
    public async Task Nul_bytes_and_invalid_utf8_are_cleaned_and_the_text_around_them_kept()
    {
        var content = Encoding.UTF8.GetBytes("Before the damage, café.")
            .Concat(new byte[] { 0, 0, 0xC3, 0x28, 0xFF, 0 })
            .Concat(Encoding.UTF8.GetBytes("After the damage, naïve."))
            .ToArray();

        var result = await Extract.BytesAsync(content, DocumentFormats.Text);

        Assert.Equal("Before the damage, café.\uFFFD(\uFFFDAfter the damage, naïve.", result.Text);
    }

    [Fact]
    public async Task Windows_1252_text_is_detected_and_decoded()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        const string text = "Café crème brûlée — a naïve façade with “curly quotes” and 5 € in the till.";
        var content = Encoding.GetEncoding(1252).GetBytes(text);

        var result = await Extract.BytesAsync(content, DocumentFormats.Text);

        Assert.Equal(text, result.Text);
    }

    [Theory]
    [InlineData("utf-16le")]
    [InlineData("utf-16be")]
    [InlineData("utf-8")]
    public async Task A_byte_order_mark_decides_the_encoding(string encodingName)
    {
        var encoding = Encoding.GetEncoding(encodingName);
        var content = encoding.GetPreamble().Concat(encoding.GetBytes("Grüße aus Köln.")).ToArray();

        var result = await Extract.BytesAsync(content, DocumentFormats.Text);

        Assert.Equal("Grüße aus Köln.", result.Text);
    }

    [Fact]
    public async Task Line_ends_control_characters_and_blank_runs_are_normalised()
    {
        var content = Encoding.UTF8.GetBytes("  \r\nTitle\r\n\r\nBody\there\u0007 line   \rnext\f page\n\n\n\n\n\nEnd\u0001  \n\n");

        var result = await Extract.BytesAsync(content, DocumentFormats.Text);

        Assert.Equal("Title\n\nBody\there line\nnext\f page\n\n\nEnd", result.Text);
    }

    [Fact]
    public async Task Empty_and_blank_documents_have_no_text()
    {
        var empty = await Extract.FailureAsync([], DocumentFormats.Text);
        var blank = await Extract.FailureAsync(Encoding.UTF8.GetBytes(" \n\t\0\r\n "), DocumentFormats.Text);

        Assert.Equal("the document contains no text", empty.Reason);
        Assert.Equal("the document contains no text", blank.Reason);
    }

    [Fact]
    public async Task Text_longer_than_the_limit_is_refused()
    {
        var content = Encoding.UTF8.GetBytes(new string('x', 5_000));

        var error = await Extract.FailureAsync(content, DocumentFormats.Text, new ExtractionOptions { MaxCharacters = 4_000 });

        Assert.Equal("extracted text exceeds the limit of 4,000 characters (Sluice:Extraction:MaxCharacters)", error.Reason);
    }

    [Fact]
    public async Task An_unknown_format_is_refused()
    {
        var error = await Extract.FailureAsync(Encoding.UTF8.GetBytes("hello"), "rtf");

        Assert.Contains("not supported", error.Reason, StringComparison.Ordinal);
    }
}
