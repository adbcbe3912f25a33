namespace Sluice.Processing.Tests.Chunking;

public sealed class TextChunkerTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly TextChunker Chunker = new(MiniLmVocabulary.Tokenizer, new ChunkerOptions());

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\r\n\t \n\f")]
    public void Empty_or_whitespace_text_gives_no_chunks(string text)
    {
        Assert.Empty(Chunker.Split(text, cancellationToken: Token));
    }

    [Fact]
    public void Short_text_is_one_trimmed_chunk_with_its_exact_count()
    {
        const string Text = "  \n The quick brown fox jumps over the lazy dog. \n";

        var chunk = Assert.Single(Chunker.Split(Text, cancellationToken: Token));

        Assert.Equal(new TextChunk(0, "The quick brown fox jumps over the lazy dog.", 4, 48, null, 10), chunk);
    }

    [Fact]
    public void Prose_chunks_stay_within_the_window_and_reproduce_the_text()
    {
        var sample = SampleText.Prose(paragraphs: 60);

        var chunks = Chunker.Split(sample.Text, cancellationToken: Token);

        Assert.True(chunks.Count > 10, $"only {chunks.Count} chunks");
        ChunkInvariants.AssertHold(sample.Text, chunks);
    }

    [Fact]
    public void Prose_chunks_start_and_end_at_sentence_boundaries()
    {
        var sample = SampleText.Prose(paragraphs: 60);

        var chunks = Chunker.Split(sample.Text, cancellationToken: Token);

        Assert.All(chunks, c => Assert.Contains(c.Start, sample.SentenceStarts));
        Assert.All(chunks, c => Assert.Contains(c.End, sample.SentenceEnds));
    }

    [Fact]
    public void Prose_chunks_come_close_to_the_target_without_passing_it()
    {
        var sample = SampleText.Prose(paragraphs: 60);

        var chunks = Chunker.Split(sample.Text, cancellationToken: Token);

        // Sentences are short, so only the last chunk may fall far below the target.
        Assert.All(chunks.SkipLast(1), c => Assert.InRange(c.Tokens, 100, 200));
    }

    [Fact]
    public void Each_chunk_starts_with_whole_sentences_of_the_previous_one_up_to_the_overlap()
    {
        var sample = SampleText.Prose(paragraphs: 60);
        var tokenizer = MiniLmVocabulary.Tokenizer;

        var chunks = Chunker.Split(sample.Text, cancellationToken: Token);

        foreach (var (previous, next) in chunks.Zip(chunks.Skip(1)))
        {
            Assert.InRange(next.Start, previous.Start + 1, previous.End - 1);
            Assert.Contains(next.Start, sample.SentenceStarts);
            var shared = sample.Text[next.Start..previous.End];
            Assert.InRange(tokenizer.CountTokens(shared), 1, 40);
        }
    }

    [Fact]
    public void Without_overlap_chunks_follow_one_another()
    {
        var sample = SampleText.Prose(paragraphs: 30);
        var chunker = new TextChunker(MiniLmVocabulary.Tokenizer, new ChunkerOptions { OverlapTokens = 0 });

        var chunks = chunker.Split(sample.Text, cancellationToken: Token);

        Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.True(pair.Second.Start > pair.First.End));
        ChunkInvariants.AssertHold(sample.Text, chunks);
    }

    [Fact]
    public void A_sentence_larger_than_the_overlap_is_not_repeated()
    {
        // Every sentence is about 50 word pieces, more than the overlap of 40.
        var sample = SampleText.Prose(paragraphs: 10, minWords: 45, maxWords: 50, minSentences: 4, maxSentences: 4);

        var chunks = Chunker.Split(sample.Text, cancellationToken: Token);

        Assert.True(chunks.Count > 3);
        Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.True(pair.Second.Start > pair.First.End));
    }

    [Fact]
    public void Chunks_near_the_target_end_at_paragraph_breaks()
    {
        // A chunk holds one paragraph and would have room for a sentence of the next, but stops at the paragraph.
        var sample = SampleText.Prose(paragraphs: 20, minWords: 12, maxWords: 14, minSentences: 9, maxSentences: 9);
        var chunker = new TextChunker(MiniLmVocabulary.Tokenizer, new ChunkerOptions { OverlapTokens = 0 });
        var paragraphs = sample.Paragraphs.Select(p => MiniLmVocabulary.Tokenizer.CountTokens(sample.Text[p.Start..p.End]));
        Assert.All(paragraphs, tokens => Assert.InRange(tokens, 155, 180));

        var chunks = chunker.Split(sample.Text, cancellationToken: Token);

        Assert.Equal(sample.Paragraphs, chunks.Select(c => (c.Start, c.End)));
    }

    [Fact]
    public void Abbreviations_and_decimals_do_not_end_a_chunk()
    {
        const string Text = "Dr. Smith measured 3.14 units, e.g. at noon. Mr. Jones agreed, cf. Fig. 2 of the report.";
        var chunker = new TextChunker(MiniLmVocabulary.Tokenizer,
            new ChunkerOptions { MaxTokens = 24, TargetTokens = 16, OverlapTokens = 0 });

        var chunks = chunker.Split(Text, cancellationToken: Token);

        Assert.Equal(["Dr. Smith measured 3.14 units, e.g. at noon.", "Mr. Jones agreed, cf. Fig. 2 of the report."],
            chunks.Select(c => c.Text));
    }

    [Fact]
    public void Same_input_gives_the_same_chunks()
    {
        var text = SampleText.Prose(paragraphs: 25, seed: 3).Text + "\n\n" + SampleText.RunOn(2_000);

        Assert.Equal(Chunker.Split(text, cancellationToken: Token), Chunker.Split(text, cancellationToken: Token));
        Assert.Equal(Chunker.Split(text, cancellationToken: Token),
            new TextChunker(MiniLmVocabulary.CreateTokenizer(), new ChunkerOptions()).Split(text, cancellationToken: Token));
    }

    [Fact]
    public void Cancellation_stops_the_work()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(
            () => Chunker.Split(SampleText.Prose(paragraphs: 5).Text, cancellationToken: cancellation.Token));
    }

    [Fact]
    public void Null_text_is_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => Chunker.Split(null!, cancellationToken: Token));
    }
}
