using Sluice.Processing.Internal.Embeddings;

namespace Sluice.Processing.Tests.Embeddings;

/// <summary>Word pieces as the reference uncased BERT tokenizer of all-MiniLM-L6-v2 makes them.</summary>
public sealed class BertInputEncoderTests
{
    private static readonly BertInputEncoder Encoder = BertInputEncoder.ForMiniLm();

    private static string[] Pieces(string text)
    {
        var ids = Encoder.Encode(text);
        Assert.Equal("[CLS]", Encoder.Vocabulary.Pieces[ids[0]]);
        Assert.Equal("[SEP]", Encoder.Vocabulary.Pieces[ids[^1]]);
        return [.. ids[1..^1].Select(id => Encoder.Vocabulary.Pieces[id])];
    }

    [Fact]
    public void Plain_sentence_is_lower_cased_and_punctuation_split()
    {
        Assert.Equal(["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "."],
            Pieces("The quick brown FOX jumps over the lazy dog."));
    }

    [Theory]
    [InlineData("note\nbook\tand\r\ntab")]
    [InlineData("note\u00A0book\u2028and\u3000tab")]
    [InlineData("note\fbook\vand\u0085tab")]
    [InlineData("  note   book\n\n\nand tab  ")]
    public void Any_whitespace_separates_words(string text)
    {
        Assert.Equal(["note", "book", "and", "tab"], Pieces(text));
    }

    [Fact]
    public void Accents_are_stripped()
    {
        Assert.Equal(Pieces("cafe naive resume angstrom"), Pieces("Café naïve résumé Ångström"));
        Assert.Equal(["cafe"], Pieces("Cafe\u0301"));
    }

    [Fact]
    public void Ascii_symbols_are_punctuation_tokens()
    {
        Assert.Equal(["it", "costs", "$", "5", "+", "3", "=", "8", "<", "b", ">", "|", "~", "^", "`", "x", "`"],
            Pieces("It costs $5 + 3 = 8 <b> | ~ ^ `x`"));
        Assert.Equal(["_", "u", "_", "don", "'", "t", "50", "%"], Pieces("_u_ don't 50%"));
    }

    [Fact]
    public void Unicode_punctuation_splits_but_symbols_do_not()
    {
        Assert.Equal(["«", "yes", "»", "—", "no"], Pieces("«yes»—no"));
        Assert.Equal(["[UNK]"], Pieces("😀"));
        Assert.Equal(["smile", "[UNK]", "here"], Pieces("smile 😀 here"));
        Assert.Equal(["[UNK]"], Pieces("smile😀"));
    }

    [Fact]
    public void Control_and_zero_width_characters_are_removed()
    {
        Assert.Equal(["hello"], Pieces("hel\u200Blo\u0000"));
        Assert.Equal(["ab"], Pieces("a\u0007b"));
    }

    [Fact]
    public void Cjk_ideographs_are_words_of_their_own()
    {
        Assert.Equal(["中", "文"], Pieces("中文"));
    }

    [Fact]
    public void Words_are_split_greedily_into_continuation_pieces()
    {
        Assert.Equal(["una", "##ffa", "##ble"], Pieces("unaffable"));
    }

    [Fact]
    public void Unmatchable_or_overlong_words_become_unknown()
    {
        Assert.Equal(["[UNK]"], Pieces(new string('a', 101)));
        Assert.NotEqual(["[UNK]"], Pieces(new string('a', 100)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t ")]
    public void Empty_text_is_only_the_special_tokens(string text)
    {
        Assert.Empty(Pieces(text));
    }

    [Fact]
    public void Long_text_is_truncated_to_the_window()
    {
        var text = string.Join(" ", Enumerable.Repeat("apple", 400));
        var ids = Encoder.Encode(text);
        Assert.Equal(256, ids.Length);
        Assert.Equal(400, Encoder.CountPieces(text));
        Assert.Equal("[SEP]", Encoder.Vocabulary.Pieces[ids[^1]]);
        Assert.All(ids[1..^1], id => Assert.Equal("apple", Encoder.Vocabulary.Pieces[id]));
    }

    [Fact]
    public void A_word_cut_by_truncation_keeps_only_its_leading_pieces()
    {
        var text = string.Join(" ", Enumerable.Repeat("apple", 253)) + " unaffable";
        var ids = Encoder.Encode(text);
        Assert.Equal(256, ids.Length);
        Assert.Equal("una", Encoder.Vocabulary.Pieces[ids[^2]]);
    }
}
