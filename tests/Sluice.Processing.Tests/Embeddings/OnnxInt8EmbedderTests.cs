using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Sluice.Core.Ports;

namespace Sluice.Processing.Tests.Embeddings;

/// <summary>
/// The gate for the int8 model: on real texts its vectors stay close to the fp32 model's, and it ranks passages for
/// queries as fp32 does.
/// </summary>
/// <remarks>
/// Activations are quantized with one range per tensor, so a text of one or two word pieces (besides [CLS] and
/// [SEP]), whose vector is dominated by the special tokens, loses the most: measured 0.960 for "ok" and 0.971 for the
/// empty text, against 0.990 to 0.999 for sentences and passages (0.993 on average).
/// </remarks>
public sealed class OnnxInt8EmbedderTests(Int8Fixture fixture) : IClassFixture<Int8Fixture>
{
    private const double MinCosine = 0.985;
    private const double MinCosineOfTinyTexts = 0.95;
    private const int TinyText = 3;

    [Fact]
    public async Task Int8_vectors_stay_close_to_fp32_for_every_text()
    {
        var texts = Int8Texts.All;
        var fp32 = await fixture.Fp32.EmbedAsync(texts, TestContext.Current.CancellationToken);
        var int8 = await fixture.Quantized.EmbedAsync(texts, TestContext.Current.CancellationToken);

        var cosines = texts.Select((_, i) => VectorAssert.Cosine(fp32[i], int8[i])).ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{texts.Length} texts: cosine min {cosines.Min():F5}, mean {cosines.Average():F5}"));
        for (var i = 0; i < texts.Length; i++)
        {
            var floor = fixture.Fp32.Tokenize(texts[i]).Length <= TinyText ? MinCosineOfTinyTexts : MinCosine;
            Assert.True(cosines[i] >= floor, $"text {i} ('{texts[i][..Math.Min(40, texts[i].Length)]}'): cosine {cosines[i]:F5}");
        }

        Assert.All(int8, v => Assert.Equal(1.0, VectorAssert.Norm(v), 1e-4));
    }

    [Fact]
    public async Task Int8_ranks_the_passages_for_each_query_as_fp32_does()
    {
        var fp32 = await Rankings(fixture.Fp32);
        var int8 = await Rankings(fixture.Quantized);
        for (var q = 0; q < Int8Texts.Queries.Length; q++)
        {
            Assert.Equal(q, fp32[q][0]);
            Assert.Equal(fp32[q], int8[q]);
        }
    }

    [Fact]
    public async Task An_int8_vector_barely_depends_on_the_rest_of_its_batch()
    {
        // Activations are quantized with one range per batch, so unlike fp32 a text's int8 vector moves a little
        // with its neighbours; far less than the distance to fp32.
        var texts = Int8Texts.Others[3..15];
        var batch = await fixture.Quantized.EmbedAsync(texts, TestContext.Current.CancellationToken);
        for (var i = 0; i < texts.Length; i++)
        {
            var alone = (await fixture.Quantized.EmbedAsync([texts[i]], TestContext.Current.CancellationToken))[0];
            Assert.True(VectorAssert.Cosine(alone, batch[i]) >= MinCosine, $"text {i}: cosine {VectorAssert.Cosine(alone, batch[i]):F5}");
        }
    }

    [Fact]
    public void The_version_differs_by_precision_and_fp32_keeps_the_one_indexes_have()
    {
        Assert.Equal(new EmbedderInfo("all-MiniLM-L6-v2", "onnx-1", 384), fixture.Fp32.Info);
        Assert.Equal(new EmbedderInfo("all-MiniLM-L6-v2", "onnx-int8-1", 384), fixture.Quantized.Info);
    }

    [Theory]
    [InlineData("fp16")]
    [InlineData("INT8")]
    [InlineData("")]
    public void An_unknown_precision_is_rejected_naming_the_setting_and_its_values(string precision)
    {
        var error = Assert.Throws<ValidationException>(() => new OnnxMiniLmEmbedder(new OnnxEmbedderOptions { Precision = precision }));
        Assert.Equal("Sluice:Embedding:Onnx:Precision must be one of: fp32, int8.", error.Message);
    }

    private static async Task<int[][]> Rankings(OnnxMiniLmEmbedder embedder)
    {
        var queries = await embedder.EmbedAsync(Int8Texts.Queries, TestContext.Current.CancellationToken);
        var passages = await embedder.EmbedAsync(Int8Texts.Passages, TestContext.Current.CancellationToken);
        return [.. queries.Select(q => Enumerable.Range(0, passages.Count).OrderByDescending(p => VectorAssert.Cosine(q, passages[p])).ToArray())];
    }
}
