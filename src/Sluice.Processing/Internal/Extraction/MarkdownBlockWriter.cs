using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>Writes a parsed Markdown document as plain text with explicit stacks (no recursion).</summary>
internal static class MarkdownBlockWriter
{
    public static void Write(MarkdownDocument document, BoundedTextBuilder text, CancellationToken cancellationToken = default)
    {
        var stack = new Stack<(Block Block, bool Closing)>();
        stack.Push((document, false));
        var inlines = new Stack<Inline>();
        var visited = 0;
        while (stack.Count > 0)
        {
            if (++visited % 1024 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var (block, closing) = stack.Pop();
            if (closing)
            {
                text.EnsureNewlines(2);
                continue;
            }

            switch (block)
            {
                case LinkReferenceDefinitionGroup or LinkReferenceDefinition:
                    break;
                case ContainerBlock container:
                    if (container is ListBlock or QuoteBlock)
                    {
                        // Lists and quotes stand apart from what surrounds them, even when their items are tight.
                        text.EnsureNewlines(2);
                        stack.Push((container, true));
                    }

                    for (var i = container.Count - 1; i >= 0; i--)
                    {
                        stack.Push((container[i], false));
                    }

                    break;
                case CodeBlock code:
                    WriteLines(code, text, stripTags: false);
                    text.EnsureNewlines(2);
                    break;
                case HtmlBlock html:
                    WriteLines(html, text, stripTags: true);
                    text.EnsureNewlines(2);
                    break;
                case LeafBlock leaf:
                    WriteInlines(leaf.Inline, inlines, text);
                    text.EnsureNewlines(InTightList(leaf) ? 1 : 2);
                    break;
            }
        }
    }

    private static bool InTightList(Block block) =>
        block.Parent is ListItemBlock { Parent: ListBlock { IsLoose: false } };

    private static void WriteLines(LeafBlock leaf, BoundedTextBuilder text, bool stripTags)
    {
        var lines = leaf.Lines;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines.Lines[i].Slice.AsSpan();
            if (stripTags)
            {
                MarkdownLineStripper.AppendWithoutTags(line, text);
            }
            else
            {
                text.Append(line);
            }

            text.Append('\n');
        }
    }

    private static void WriteInlines(ContainerInline? root, Stack<Inline> stack, BoundedTextBuilder text)
    {
        if (root is null)
        {
            return;
        }

        stack.Clear();
        stack.Push(root);
        while (stack.Count > 0)
        {
            switch (stack.Pop())
            {
                case LiteralInline literal:
                    MarkdownInlineStripper.Append(literal.Content.AsSpan(), literal.IsFirstCharacterEscaped, text);
                    break;
                case CodeInline code:
                    text.Append(code.Content);
                    break;
                case LineBreakInline lineBreak:
                    text.Append(lineBreak.IsHard ? '\n' : ' ');
                    break;
                case HtmlEntityInline entity:
                    text.Append(entity.Transcoded.AsSpan());
                    break;
                case AutolinkInline autolink:
                    text.Append(autolink.Url);
                    break;
                case ContainerInline container:
                    for (var child = container.LastChild; child is not null; child = child.PreviousSibling)
                    {
                        stack.Push(child);
                    }

                    break;
            }
        }
    }
}
