namespace Sluice.Processing.Tests.Chunking;

public sealed class MiniLmVocabularyTests
{
    [Fact]
    public void Tokenizer_loads_from_the_package_resource_and_splits_words_into_known_word_pieces()
    {
        var tokens = MiniLmVocabulary.Tokenizer.EncodeToTokens("unaffable", out _).Select(t => t.Value);

        // What the bert-base-uncased vocabulary shipped with all-MiniLM-L6-v2 gives.
        Assert.Equal(["una", "##ffa", "##ble"], tokens);
    }

    [Fact]
    public void Tokenizer_lower_cases_and_knows_the_special_tokens_of_the_model()
    {
        var tokenizer = MiniLmVocabulary.Tokenizer;

        var ids = tokenizer.EncodeToIds("The Quick Brown Fox.", addSpecialTokens: true);
        var tokens = tokenizer.EncodeToTokens("The Quick Brown Fox.", out _).Select(t => t.Value);

        Assert.Equal(["the", "quick", "brown", "fox", "."], tokens);
        Assert.Equal(101, ids[0]);
        Assert.Equal(102, ids[^1]);
        Assert.Equal(101, tokenizer.ClassificationTokenId);
        Assert.Equal(102, tokenizer.SeparatorTokenId);
    }

    [Fact]
    public void Tokenizer_strips_accents_of_decomposed_text_like_the_uncased_model()
    {
        var tokens = MiniLmVocabulary.Tokenizer.EncodeToTokens("cafe\u0301", out _).Select(t => t.Value);

        Assert.Equal(["cafe"], tokens);
    }

    [Fact]
    public void Tokenizer_is_created_once_and_shared()
    {
        Assert.Same(MiniLmVocabulary.Tokenizer, MiniLmVocabulary.Tokenizer);
    }

    [Fact]
    public void Token_count_excludes_the_special_tokens()
    {
        const string Text = "Search results point back into the source documents.";
        var tokenizer = MiniLmVocabulary.Tokenizer;

        var withoutSpecial = tokenizer.EncodeToIds(Text, addSpecialTokens: false).Count;

        Assert.Equal(withoutSpecial, tokenizer.CountTokens(Text));
        Assert.Equal(withoutSpecial + 2, tokenizer.EncodeToIds(Text).Count);
    }

    [Fact]
    public void Vocabulary_has_the_size_of_the_bert_base_uncased_vocabulary()
    {
        using var reader = new StreamReader(MiniLmVocabulary.OpenVocabulary());
        var lines = 0;
        while (reader.ReadLine() is not null)
        {
            lines++;
        }

        Assert.Equal(30522, lines);
    }

    [Fact]
    public void Model_resource_is_an_onnx_file_in_the_package()
    {
        using var model = MiniLmVocabulary.OpenModel();

        Assert.True(model.Length > 1_000_000, $"the model has {model.Length} bytes");
    }

    [Theory]
    [InlineData("Quarterly revenue grew across regions, while costs remained stable.")]
    [InlineData("See https://example.com/a/b?x=1&y=2 and mail@example.org (or 3.14, 2,500.00).")]
    [InlineData("Café naïve résumé Über straße 東京 你好。我很好！ 😀👩‍👩‍👧 \uFFFD x\u0301y")]
    [InlineData("Tokenization, unaffable; notwithstanding: \"quoted\" [bracketed] {braced} a+b=c $5 #tag")]
    public void Word_piece_counts_add_up_across_whitespace(string text)
    {
        var tokenizer = MiniLmVocabulary.Tokenizer;

        var perWord = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Sum(w => tokenizer.CountTokens(w));

        Assert.Equal(tokenizer.CountTokens(text), perWord);
    }

    [Fact]
    public void Line_breaks_and_tabs_join_words_in_this_tokenizer_version()
    {
        // Microsoft.ML.Tokenizers 2.0 deletes control characters, \n and \t included, where BERT's reference
        // tokenizer reads them as spaces (dotnet/machinelearning#7724). The chunker therefore only adds up counts
        // across non-control whitespace. When this fails, the tokenizer was fixed and that caution can go.
        var tokenizer = MiniLmVocabulary.Tokenizer;

        Assert.Equal(["notebook"], tokenizer.EncodeToTokens("note\nbook", out _).Select(t => t.Value));
        Assert.Equal(["one", "##t", "##wo"], tokenizer.EncodeToTokens("one\ttwo", out _).Select(t => t.Value));
    }

    [Fact]
    public void Word_piece_counts_add_up_across_whitespace_on_generated_prose()
    {
        var text = SampleText.Prose(paragraphs: 20).Text;
        var tokenizer = MiniLmVocabulary.Tokenizer;

        var perWord = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Sum(w => tokenizer.CountTokens(w));

        Assert.Equal(tokenizer.CountTokens(text), perWord);
    }
}
