using Markdig;
using Markdig.Parsers.Inlines;
using Markdig.Syntax;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// Markdown text via Markdig's CommonMark block parser, walked without recursion. Markdig's emphasis
/// parser is left out: on long paragraphs its cost grows quadratically and it throws on legitimate text
/// (thousands of <c>*em*</c> in one paragraph), so emphasis markers are removed by the linear
/// <see cref="MarkdownInlineStripper"/> instead. Documents nested deeper than Markdig handles (its
/// nesting limit, or block nesting on which it slows down badly) are parsed again without the link parser,
/// then, if that fails too, fall back to <see cref="MarkdownLineStripper"/>.
/// </summary>
internal static class MarkdownTextExtractor
{
    private static readonly MarkdownPipeline Pipeline = BuildPipeline(withLinks: true);

    /// <summary>Without the link parser, which gives up (after quadratic work) on thousands of unclosed brackets.</summary>
    private static readonly MarkdownPipeline PipelineWithoutLinks = BuildPipeline(withLinks: false);

    public static string Extract(string markdown, int maxCharacters, CancellationToken cancellationToken = default)
    {
        var text = new BoundedTextBuilder(maxCharacters);
        if (!MarkdownLineStripper.IsShallow(markdown))
        {
            MarkdownLineStripper.Write(markdown, text, cancellationToken);
            return text.ToString();
        }

        var document = TryParse(markdown, Pipeline) ?? TryParse(markdown, PipelineWithoutLinks);
        if (document is null)
        {
            MarkdownLineStripper.Write(markdown, text, cancellationToken);
            return text.ToString();
        }

        MarkdownBlockWriter.Write(document, text, cancellationToken);
        return text.ToString();
    }

    private static MarkdownDocument? TryParse(string markdown, MarkdownPipeline pipeline)
    {
        try
        {
            return Markdown.Parse(markdown, pipeline);
        }
        catch (ArgumentException)
        {
            // Markdig's "too deeply nested" guard.
            return null;
        }
    }

    private static MarkdownPipeline BuildPipeline(bool withLinks)
    {
        var builder = new MarkdownPipelineBuilder();
        builder.InlineParsers.RemoveAll(parser => parser is EmphasisInlineParser || (!withLinks && parser is LinkInlineParser));
        return builder.Build();
    }
}
