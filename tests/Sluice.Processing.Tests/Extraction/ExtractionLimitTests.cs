using System.Diagnostics;
using System.Text;

namespace Sluice.Processing.Tests.Extraction;

/// <summary>
/// The limits that do not depend on the upload size: each is checked with a real document just over the default,
/// and the reason names the limit and the setting that raises it.
/// </summary>
public sealed class ExtractionLimitTests
{
    [Fact]
    public async Task A_PDF_with_more_pages_than_the_limit_is_refused_before_its_pages_are_read()
    {
        var pages = Enumerable.Range(1, 2_001).Select(n => new[] { $"page {n}" }).ToArray();
        var pdf = TestPdfs.Build(pages);

        var clock = Stopwatch.StartNew();
        var error = await Extract.FailureAsync(pdf, DocumentFormats.Pdf);

        Assert.Equal("the PDF has 2,001 pages, over the limit of 2,000 (Sluice:Extraction:MaxPdfPages)", error.Reason);
        TestContext.Current.SendDiagnosticMessage($"2,001-page PDF ({pdf.Length} bytes) refused in {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_PDF_at_the_page_limit_is_extracted()
    {
        var pdf = TestPdfs.Build([["one"], ["two"], ["three"]]);

        var result = await Extract.BytesAsync(pdf, DocumentFormats.Pdf, new ExtractionOptions { MaxPdfPages = 3 });

        Assert.Equal(3, result.Pages!.Count);
    }

    [Fact]
    public async Task HTML_with_more_elements_than_the_limit_is_refused_without_being_parsed()
    {
        var html = new StringBuilder("<html><body>");
        for (var i = 0; i < 1_000_000; i++)
        {
            html.Append("<i>x</i>");
        }

        html.Append("</body></html>");

        var error = await Extract.FailureAsync(Encoding.UTF8.GetBytes(html.ToString()), DocumentFormats.Html);

        Assert.Equal("the HTML has 1,000,002 elements, over the limit of 1,000,000 (Sluice:Extraction:MaxHtmlElements)", error.Reason);
    }

    [Fact]
    public async Task HTML_at_the_element_limit_is_extracted_and_markup_that_is_not_a_tag_does_not_count()
    {
        const string html = "<p>a < b and 1<2</p><!-- <!x --><p>c</p>";

        var result = await Extract.BytesAsync(Encoding.UTF8.GetBytes(html), DocumentFormats.Html, new ExtractionOptions { MaxHtmlElements = 2 });

        Assert.Equal("a < b and 1<2\n\nc", result.Text);
    }

    [Fact]
    public async Task Text_longer_than_the_default_character_limit_is_refused_naming_the_setting()
    {
        var text = Encoding.ASCII.GetBytes(new string('a', 20_000_001));

        var error = await Extract.FailureAsync(text, DocumentFormats.Text);

        Assert.Equal("extracted text exceeds the limit of 20,000,000 characters (Sluice:Extraction:MaxCharacters)", error.Reason);
    }

    [Fact]
    public async Task Every_format_is_held_to_the_character_limit()
    {
        var options = new ExtractionOptions { MaxCharacters = 1_000 };
        var words = string.Join(' ', Enumerable.Repeat("word", 400));
        const string reason = "extracted text exceeds the limit of 1,000 characters (Sluice:Extraction:MaxCharacters)";

        Assert.Equal(reason, (await Extract.FailureAsync(TestPdfs.Build([[words[..900]], [words[..900]]]), DocumentFormats.Pdf, options)).Reason);
        Assert.Equal(reason, (await Extract.FailureAsync(TestDocx.Build([words]), DocumentFormats.Docx, options)).Reason);
        Assert.Equal(reason, (await Extract.FailureAsync(Encoding.UTF8.GetBytes($"<p>{words}</p>"), DocumentFormats.Html, options)).Reason);
        Assert.Equal(reason, (await Extract.FailureAsync(Encoding.UTF8.GetBytes($"# Title\n\n{words}"), DocumentFormats.Markdown, options)).Reason);
    }
}
