using System.Text;

namespace Sluice.Processing.Tests.Chunking;

public sealed class TextChunkerUnicodeTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private const string Mixed =
        "Café naïve résumé Über straße. 東京で会いましょう。明日は晴れです！ Emoji 😀 and a family 👩‍👩‍👧 here. "
        + "Broken bytes \uFFFD\uFFFD were replaced. Combining e\u0301 and flags 🇫🇷🇩🇪 stay whole. "
        + "한국어 문장도 있습니다. Зимой холодно. الطقس جميل اليوم. ";

    // Small chunks, so that cuts fall everywhere.
    private static readonly TextChunker Small = new(MiniLmVocabulary.Tokenizer,
        new ChunkerOptions { MaxTokens = 12, TargetTokens = 8, OverlapTokens = 3 });

    [Fact]
    public void Mixed_scripts_keep_offsets_exact()
    {
        var text = string.Concat(Enumerable.Repeat(Mixed, 20));

        var small = Small.Split(text, cancellationToken: Token);
        var regular = new TextChunker(MiniLmVocabulary.Tokenizer, new ChunkerOptions()).Split(text, cancellationToken: Token);

        ChunkInvariants.AssertHold(text, small, maxContentTokens: 10);
        ChunkInvariants.AssertHold(text, regular);
    }

    [Fact]
    public void Runs_of_emoji_CJK_and_combining_marks_are_never_cut_inside_a_character()
    {
        var text = string.Concat(Enumerable.Repeat("😀👩‍👩‍👧🇫🇷e\u0301\uFFFD文字", 2_000));

        var chunks = Small.Split(text, cancellationToken: Token);

        ChunkInvariants.AssertHold(text, chunks, maxContentTokens: 10);
        Assert.All(chunks.Skip(1), c => Assert.NotEqual('\u0301', c.Text[0]));
        Assert.All(chunks.Skip(1), c => Assert.NotEqual('\u200D', c.Text[0]));
        Assert.All(chunks.SkipLast(1), c => Assert.NotEqual('\u200D', c.Text[^1]));
    }

    [Theory]
    [InlineData(3_000)]
    [InlineData(10_000)]
    public void Text_without_any_word_piece_is_still_chunked_and_not_lost(int length)
    {
        // The tokenizer drops U+FFFD, as BERT's reference tokenizer does.
        var text = new string('\uFFFD', length);

        var chunks = Small.Split(text, cancellationToken: Token);

        Assert.NotEmpty(chunks);
        Assert.All(chunks, c => Assert.Equal(0, c.Tokens));
        ChunkInvariants.AssertHold(text, chunks, maxContentTokens: 10);
    }

    [Fact]
    public void Supplementary_characters_in_long_words_keep_offsets_exact()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < 3_000; i++)
        {
            builder.Append(char.ConvertFromUtf32(0x1F600 + (i % 50))).Append(i % 3 == 0 ? "x" : "\u4E2D");
        }

        var text = builder.ToString();

        ChunkInvariants.AssertHold(text, Small.Split(text, cancellationToken: Token), maxContentTokens: 10);
    }
}
