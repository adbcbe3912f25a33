using System.Text;

namespace Sluice.Processing.Tests.Extraction;

public sealed class HtmlExtractionTests
{
    private static Task<ExtractedText> ExtractAsync(string html, ExtractionOptions? options = null) =>
        Extract.BytesAsync(Encoding.UTF8.GetBytes(html), DocumentFormats.Html, options);

    [Fact]
    public async Task Visible_text_keeps_block_structure_and_drops_scripts_and_styles()
    {
        const string html = """
            <!DOCTYPE html>
            <html><head><title>Pipeline &amp; stages</title><style>p { color: red }</style>
            <script>var secret = "do not index";</script></head>
            <body>
              <h1>Architecture</h1>
              <p>Uploads   are
                 stored in a <b>blob</b> store&nbsp;first.</p>
              <ul><li>Extract</li><li>Chunk</li></ul>
              <div>Line one<br>Line two</div>
              <noscript>Enable scripts</noscript><template><p>hidden</p></template>
              <svg><text>chart label</text></svg>
              <table><tr><td>Stage</td><td>Owner</td></tr><tr><td>Embed</td><td>ML</td></tr></table>
              <pre>  keep
                 spacing</pre>
            </body></html>
            """;

        var result = await ExtractAsync(html);

        Assert.Equal(
            "Pipeline & stages\n\nArchitecture\n\nUploads are stored in a blob store first.\n\nExtract\nChunk\n\nLine one\nLine two\n\n"
            + "Stage\tOwner\nEmbed\tML\n\n  keep\n     spacing",
            result.Text);
        Assert.DoesNotContain("secret", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("color", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("chart", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Enable", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hundred_thousand_nested_divs_fail_cleanly_instead_of_overflowing_the_stack()
    {
        var html = new StringBuilder("<html><body>");
        html.Insert(html.Length, "<div>", 100_000).Append("deep text").Insert(html.Length, "</div>", 100_000).Append("</body></html>");

        var error = await Assert.ThrowsAsync<ExtractionException>(() => ExtractAsync(html.ToString()));

        Assert.Equal("the HTML nests elements deeper than 1024 levels", error.Reason);
    }

    [Fact]
    public async Task Nesting_up_to_the_limit_is_walked_without_recursion()
    {
        var html = new StringBuilder("<html><body>");
        html.Insert(html.Length, "<span>", 5_000).Append("deep text").Insert(html.Length, "</span>", 5_000).Append("</body></html>");

        var result = await ExtractAsync(html.ToString(), new ExtractionOptions { MaxHtmlDepth = 6_000 });

        Assert.Equal("deep text", result.Text);
    }

    [Fact]
    public async Task A_page_with_only_markup_has_no_text()
    {
        var error = await Assert.ThrowsAsync<ExtractionException>(() => ExtractAsync("<html><body><script>x()</script><div> </div></body></html>"));

        Assert.Equal("the document contains no text", error.Reason);
    }
}
