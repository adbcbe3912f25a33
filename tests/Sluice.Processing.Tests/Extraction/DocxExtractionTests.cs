using System.Diagnostics;
using System.Text;

namespace Sluice.Processing.Tests.Extraction;

public sealed class DocxExtractionTests
{
    [Fact]
    public async Task Paragraphs_and_table_cells_are_separated_by_blank_lines()
    {
        var docx = TestDocx.Build(
            ["Release 1.2 ships faster extraction.", "Uploads over 100 MB are streamed."],
            [["Format", "Status"], ["PDF", "Supported"]]);

        var result = await Extract.BytesAsync(docx, DocumentFormats.Docx);

        Assert.Equal(
            "Release 1.2 ships faster extraction.\n\nUploads over 100 MB are streamed.\n\nFormat\n\nStatus\n\nPDF\n\nSupported",
            result.Text);
        Assert.Null(result.Pages);
    }

    [Fact]
    public async Task A_file_that_is_not_a_zip_is_not_a_valid_docx()
    {
        var error = await Extract.FailureAsync(Encoding.UTF8.GetBytes("just some text pretending to be a DOCX"), DocumentFormats.Docx);

        Assert.StartsWith("not a valid DOCX file: ", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_docx_is_not_a_valid_docx()
    {
        var docx = TestDocx.Build(["Some text that will be cut off."]);

        var error = await Extract.FailureAsync(docx[..(docx.Length / 2)], DocumentFormats.Docx);

        Assert.StartsWith("not a valid DOCX file: ", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zip_bomb_is_refused_without_inflating_it_into_memory()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sluice-bomb-{Guid.NewGuid():N}.docx");
        try
        {
            TestDocx.WriteBomb(path, inflatedBytes: 400L * 1024 * 1024);
            var options = new ExtractionOptions { MaxInflatedBytes = 8L * 1024 * 1024 };
            var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
            var clock = Stopwatch.StartNew();

            await using var file = File.OpenRead(path);
            var error = await Assert.ThrowsAsync<ExtractionException>(() => Extract.StreamAsync(file, DocumentFormats.Docx, options));

            TestContext.Current.SendDiagnosticMessage(
                $"zip bomb of {new FileInfo(path).Length} bytes refused in {clock.ElapsedMilliseconds} ms");
            Assert.Equal("the DOCX expands beyond the limit of 8388608 bytes", error.Reason);
            Assert.True(GC.GetTotalMemory(forceFullCollection: true) - memoryBefore < 64L * 1024 * 1024);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_docx_within_the_limit_but_over_the_compression_ratio_is_refused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sluice-ratio-{Guid.NewGuid():N}.docx");
        try
        {
            TestDocx.WriteBomb(path, inflatedBytes: 16L * 1024 * 1024);

            await using var file = File.OpenRead(path);
            var error = await Assert.ThrowsAsync<ExtractionException>(() => Extract.StreamAsync(file, DocumentFormats.Docx));

            Assert.Contains("zip bomb", error.Reason, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
