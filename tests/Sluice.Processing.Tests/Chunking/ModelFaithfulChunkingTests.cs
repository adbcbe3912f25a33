using Sluice.Processing.Internal.Embeddings;

namespace Sluice.Processing.Tests.Chunking;

/// <summary>The product's chunker counts exactly as the embedder tokenizes, so the model never truncates a chunk.</summary>
public class ModelFaithfulChunkingTests
{
    [Fact]
    public void CodeLikeText_ChunksFitTheModelWindow_ByTheEmbeddersOwnCount()
    {
        // Symbols and line breaks are where the stock BERT tokenizer and the model's tokenizer disagree most.
        var lines = Enumerable.Range(0, 400).Select(i =>
            $"if (x{i} >= y{i} && z{i} != {i}) {{ total += a[{i}] * b[{i}] ^ mask | 0x{i:x4}; }} // step {i} < limit");
        var text = string.Join('\n', lines);
        var chunker = new TextChunker(new ChunkerOptions());

        var chunks = chunker.Split(text, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(chunks.Count > 10);
        foreach (var chunk in chunks)
        {
            var pieces = MiniLmEncoder.Shared.CountPieces(chunk.Text);
            Assert.Equal(pieces, chunk.Tokens);
            Assert.InRange(pieces, 1, MiniLmVocabulary.MaxSequenceLength - MiniLmVocabulary.SpecialTokenCount);
            Assert.Equal(text.Substring(chunk.Start, chunk.End - chunk.Start), chunk.Text);
        }
    }
}
