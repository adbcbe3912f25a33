using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing.Tests.Embeddings;

public sealed class OnnxMiniLmEmbedderTests(MiniLmFixture fixture) : IClassFixture<MiniLmFixture>
{
    private static readonly string[] Texts =
    [
        MiniLmTexts.Chunk,
        "ok",
        "Invoices are due within thirty days.",
        MiniLmTexts.Long,
        "",
        "A second short sentence about rivers and mills.",
        "Tabs\tand\nnew lines",
    ];

    [Fact]
    public void Info_names_the_model_and_its_dimensions()
    {
        Assert.Equal(new Sluice.Core.Ports.EmbedderInfo("all-MiniLM-L6-v2", "onnx-1", 384), fixture.Embedder.Info);
    }

    [Fact]
    public async Task Vectors_have_unit_length()
    {
        var vectors = await fixture.Embedder.EmbedAsync(Texts, TestContext.Current.CancellationToken);
        Assert.Equal(Texts.Length, vectors.Count);
        Assert.All(vectors, v => Assert.Equal(1.0, VectorAssert.Norm(v), 1e-4));
    }

    [Fact]
    public async Task A_text_gets_the_same_vector_alone_and_in_any_batch_position()
    {
        var batch = await fixture.Embedder.EmbedAsync(Texts, TestContext.Current.CancellationToken);
        var reversed = await fixture.Embedder.EmbedAsync([.. Texts.Reverse()], TestContext.Current.CancellationToken);
        for (var i = 0; i < Texts.Length; i++)
        {
            var alone = (await fixture.Embedder.EmbedAsync([Texts[i]], TestContext.Current.CancellationToken))[0];
            VectorAssert.Close(alone, batch[i], 1e-5);
            VectorAssert.Close(alone, reversed[Texts.Length - 1 - i], 1e-5);
        }
    }

    [Fact]
    public async Task Different_texts_get_different_vectors_and_similar_ones_are_closer()
    {
        var vectors = await fixture.Embedder.EmbedAsync(
            ["The invoice is due next month.", "Payment of the bill is expected in thirty days.", "Penguins live in Antarctica."],
            TestContext.Current.CancellationToken);
        Assert.True(VectorAssert.Cosine(vectors[0], vectors[1]) > VectorAssert.Cosine(vectors[0], vectors[2]) + 0.2);
    }

    [Fact]
    public async Task Concurrent_calls_get_the_same_vectors_as_sequential_ones()
    {
        var expected = await fixture.Embedder.EmbedAsync(Texts, TestContext.Current.CancellationToken);
        var calls = Enumerable.Range(0, 4).Select(_ => fixture.Embedder.EmbedAsync(Texts, TestContext.Current.CancellationToken));
        foreach (var vectors in await Task.WhenAll(calls))
        {
            for (var i = 0; i < Texts.Length; i++)
            {
                VectorAssert.Close(expected[i], vectors[i], 1e-6);
            }
        }
    }

    [Fact]
    public async Task No_texts_give_no_vectors()
    {
        Assert.Empty(await fixture.Embedder.EmbedAsync([], TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_cancelled_call_throws()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Embedder.EmbedAsync(Texts, cancellation.Token));
    }

    [Fact]
    public async Task A_null_text_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => fixture.Embedder.EmbedAsync(["a", null!], TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    public void Invalid_options_are_rejected(int batchSize, int threads)
    {
        Assert.Throws<ValidationException>(() => new OnnxMiniLmEmbedder(new OnnxEmbedderOptions { BatchSize = batchSize, IntraOpThreads = threads }));
    }
}
