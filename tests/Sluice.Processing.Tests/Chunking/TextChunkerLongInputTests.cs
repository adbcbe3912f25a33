using System.Text;

namespace Sluice.Processing.Tests.Chunking;

public sealed class TextChunkerLongInputTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly TextChunker Chunker = new(MiniLmVocabulary.Tokenizer, new ChunkerOptions());

    [Fact]
    public void A_sentence_longer_than_the_window_is_cut_at_whitespace()
    {
        var text = SampleText.RunOn(3_000);

        var chunks = Chunker.Split(text, cancellationToken: Token);

        Assert.True(chunks.Count >= 10, $"only {chunks.Count} chunks");
        ChunkInvariants.AssertHold(text, chunks);
        Assert.All(chunks.Skip(1), c => Assert.True(char.IsWhiteSpace(text[c.Start - 1])));
        Assert.All(chunks.SkipLast(1), c => Assert.True(char.IsWhiteSpace(text[c.End])));
        Assert.All(chunks.SkipLast(1), c => Assert.InRange(c.Tokens, 100, 200));
    }

    [Fact]
    public void A_long_sentence_between_short_ones_keeps_the_short_ones_whole()
    {
        const string Before = "The report opens with a short sentence.";
        const string After = "It closes with another short sentence.";
        var text = $"{Before} The middle goes on {SampleText.RunOn(1_000)} and ends here. {After}";

        var chunks = Chunker.Split(text, cancellationToken: Token);

        ChunkInvariants.AssertHold(text, chunks);
        Assert.StartsWith(Before, chunks[0].Text, StringComparison.Ordinal);
        Assert.EndsWith(After, chunks[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_without_spaces_are_cut_at_line_breaks()
    {
        var text = string.Join('\n', Enumerable.Range(0, 5_000).Select(i => $"item{i}"));

        var chunks = Chunker.Split(text, cancellationToken: Token);

        ChunkInvariants.AssertHold(text, chunks);
        Assert.All(chunks.Skip(1), c => Assert.Equal('\n', text[c.Start - 1]));
        Assert.All(chunks.SkipLast(1), c => Assert.Equal('\n', text[c.End]));
    }

    [Fact]
    public void A_base64_run_without_whitespace_is_cut_by_characters()
    {
        var text = "Attachment: " + Convert.ToBase64String(Bytes(60_000)) + " end of attachment.";

        var chunks = Chunker.Split(text, cancellationToken: Token);

        Assert.True(chunks.Count > 100, $"only {chunks.Count} chunks");
        ChunkInvariants.AssertHold(text, chunks);
    }

    [Fact]
    public void A_long_url_is_cut_by_characters_preferably_after_punctuation()
    {
        var url = "https://example.com/" + string.Join('/', Enumerable.Range(0, 2_000).Select(i => $"segment{i}"))
            + "?q=1";

        var chunks = Chunker.Split(url, cancellationToken: Token);

        ChunkInvariants.AssertHold(url, chunks);
        Assert.All(chunks.SkipLast(1), c => Assert.True(c.Text[^1] is '/' or '.' or ':', c.Text[^10..]));
    }

    [Theory]
    [InlineData('a', 200_000)]
    [InlineData('7', 50_000)]
    [InlineData('\u6587', 5_000)]
    [InlineData('=', 20_000)]
    public void A_run_of_one_repeated_character_is_cut_within_the_window(char character, int length)
    {
        var text = new string(character, length);

        var chunks = Chunker.Split(text, cancellationToken: Token);

        Assert.True(chunks.Count > 1);
        ChunkInvariants.AssertHold(text, chunks);
    }

    [Fact]
    public void A_megabyte_line_without_spaces_or_punctuation_is_chunked_within_the_window()
    {
        var text = Encoding.ASCII.GetString(Bytes(1_000_000).Select(b => (byte)('a' + (b % 26))).ToArray());

        var chunks = Chunker.Split(text, cancellationToken: Token);

        ChunkInvariants.AssertHold(text, chunks);
    }

    [Fact]
    public void Run_pieces_that_join_without_whitespace_never_share_a_chunk_and_carry_no_overlap()
    {
        var text = "Intro sentence here. " + Convert.ToBase64String(Bytes(3_000)) + " Outro sentence here.";

        var chunks = Chunker.Split(text, cancellationToken: Token);

        ChunkInvariants.AssertHold(text, chunks);
        Assert.All(chunks.Zip(chunks.Skip(1)), pair => Assert.True(pair.Second.Start >= pair.First.End));
    }

    private static byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
