using System.Diagnostics;
using System.Text;

namespace Sluice.Processing.Tests.Extraction;

public sealed class MarkdownExtractionTests
{
    private static Task<ExtractedText> ExtractAsync(string markdown) =>
        Extract.BytesAsync(Encoding.UTF8.GetBytes(markdown), DocumentFormats.Markdown);

    [Fact]
    public async Task Markup_is_removed_and_blocks_stay_apart()
    {
        const string markdown = """
            # Getting *started*

            Sluice turns **uploads** into _searchable_ text; see [the guide](https://example.org/guide) or <https://example.org>.
            Keep `snake_case` names, 2 * 3 sums and file_name_here intact. \*Literal stars\*.

            - first item
            - second ~~old~~ item

            > Quoted advice.

            ```
            code *stays* as is
            ```

            [ref]: https://example.org/ref
            """;

        var result = await ExtractAsync(markdown);

        Assert.Equal(
            "Getting started\n\n"
            + "Sluice turns uploads into searchable text; see the guide or https://example.org. "
            + "Keep snake_case names, 2 * 3 sums and file_name_here intact. *Literal stars*.\n\n"
            + "first item\nsecond old item\n\nQuoted advice.\n\ncode *stays* as is",
            result.Text);
    }

    [Theory]
    [InlineData("Some *emphasis*, **strong words**, `code`, [a link](https://example.org) and more. ", "Some emphasis, strong words, code, a link and more. Some")]
    [InlineData("Some *emphasis*, `code` and [[unclosed ((brackets ", "Some emphasis, code and [[unclosed ((brackets Some")]
    public async Task A_five_megabyte_single_line_extracts_in_seconds(string unit, string expectedStart)
    {
        var line = new StringBuilder();
        while (line.Length < 5 * 1024 * 1024)
        {
            line.Append(unit);
        }

        var clock = Stopwatch.StartNew();
        var result = await ExtractAsync(line.ToString());

        TestContext.Current.SendDiagnosticMessage($"5 MB single-line Markdown extracted in {clock.ElapsedMilliseconds} ms");
        Assert.StartsWith(expectedStart, result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain('*', result.Text);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("quote")]
    [InlineData("list")]
    [InlineData("bullets")]
    public async Task Thousands_of_nesting_levels_do_not_crash(string shape)
    {
        var markdown = new StringBuilder();
        switch (shape)
        {
            case "quote":
                markdown.Append('>', 5_000).Append(" deep quote\n");
                break;
            case "list":
                for (var i = 0; i < 2_000; i++)
                {
                    markdown.Append(' ', i * 2).Append("- item ").Append(i).Append('\n');
                }

                break;
            default:
                markdown.Insert(0, "- ", 5_000).Append("deep bullet\n");
                break;
        }

        var clock = Stopwatch.StartNew();
        var result = await ExtractAsync(markdown.ToString());

        TestContext.Current.SendDiagnosticMessage($"{shape} nesting extracted in {clock.ElapsedMilliseconds} ms");
        Assert.Contains(shape == "list" ? "item 1999" : "deep", result.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(">", result.Text, StringComparison.Ordinal);
    }
}
