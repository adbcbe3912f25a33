using Sluice.Core.Events;

namespace Sluice.Processing.Tests.Chunking;

public sealed class TextChunkerPageTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly TextChunker Chunker = new(MiniLmVocabulary.Tokenizer, new ChunkerOptions());

    // One short sentence a chunk.
    private static readonly TextChunker SmallChunker = new(MiniLmVocabulary.Tokenizer,
        new ChunkerOptions { MaxTokens = 10, TargetTokens = 4, OverlapTokens = 0 });

    [Fact]
    public void Without_page_starts_chunks_have_no_page()
    {
        Assert.All(Chunker.Split(SampleText.Prose(paragraphs: 10).Text, cancellationToken: Token), c => Assert.Null(c.Page));
    }

    [Fact]
    public void Each_chunk_gets_the_page_containing_its_start_across_page_boundaries()
    {
        var sample = SampleText.Prose(paragraphs: 30);
        var third = sample.Text.Length / 3;
        var pages = new List<PageStart> { new(1, 0), new(2, third), new(3, 2 * third) };

        var chunks = Chunker.Split(sample.Text, pages, cancellationToken: Token);

        Assert.All(chunks, c => Assert.Equal(c.Start < third ? 1 : c.Start < 2 * third ? 2 : 3, c.Page));
        Assert.Contains(chunks, c => c.Start < third && c.End > third);
        Assert.Equal([1, 2, 3], chunks.Select(c => c.Page!.Value).Distinct());
    }

    [Fact]
    public void A_page_starting_exactly_at_a_chunk_start_is_that_chunks_page()
    {
        const string Text = "First page text.\fSecond page text.";
        var pages = new[] { new PageStart(1, 0), new PageStart(2, 17) };

        var chunks = SmallChunker.Split(Text, pages, cancellationToken: Token);

        Assert.Equal([(0, 1), (17, 2)], chunks.Select(c => (c.Start, c.Page!.Value)));
    }

    [Fact]
    public void Page_starts_may_come_in_any_order_and_text_before_the_first_page_has_none()
    {
        const string Text = "Cover.\fFirst page.\fSecond page.";
        var pages = new[] { new PageStart(2, 19), new PageStart(1, 7) };

        var chunks = SmallChunker.Split(Text, pages, cancellationToken: Token);

        Assert.Equal([(int?)null, 1, 2], chunks.Select(c => c.Page));
    }
}
