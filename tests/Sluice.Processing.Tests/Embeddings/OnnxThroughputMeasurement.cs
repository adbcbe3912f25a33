using System.Diagnostics;
using System.Globalization;

namespace Sluice.Processing.Tests.Embeddings;

/// <summary>
/// Chunks of about 200 words per second, for both precisions, batch sizes and intra-op thread counts: the model alone on token ids
/// prepared beforehand, and <see cref="OnnxMiniLmEmbedder.EmbedAsync"/> end to end. Explicit: it only measures and
/// prints, run it on a quiet machine with <c>--explicit only</c>.
/// </summary>
public sealed class OnnxThroughputMeasurement
{
    private const int Chunks = 64;

    [Fact(Explicit = true)]
    public async Task Measure_chunks_per_second()
    {
        var words = MiniLmTexts.Chunk.Split(' ');
        var texts = Enumerable.Range(0, Chunks)
            .Select(i => string.Join(' ', words.Skip(i * 7 % words.Length).Concat(words.Take(i * 7 % words.Length))))
            .ToArray();
        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine($"{Chunks} chunks of {words.Length} words; {Environment.ProcessorCount} processors");
        output.WriteLine("precision | threads | batch | model alone (chunks/s) | EmbedAsync (chunks/s)");
        foreach (var (precision, threads) in new[] { OnnxEmbedderOptions.Fp32Precision, OnnxEmbedderOptions.Int8Precision }.SelectMany(p => new[] { (p, 1), (p, 2) }))
        {
            foreach (var batchSize in new[] { 8, 16, 32, 64 })
            {
                using var embedder = new OnnxMiniLmEmbedder(new OnnxEmbedderOptions { IntraOpThreads = threads, BatchSize = batchSize, Precision = precision });
                var tokenized = texts.Select(embedder.Tokenize).ToArray();
                var batches = tokenized.Chunk(batchSize).ToArray();
                embedder.EmbedTokenized(batches[0]);

                var watch = Stopwatch.StartNew();
                foreach (var batch in batches)
                {
                    embedder.EmbedTokenized(batch);
                }

                var model = Chunks / watch.Elapsed.TotalSeconds;
                watch.Restart();
                var vectors = await embedder.EmbedAsync(texts, TestContext.Current.CancellationToken);
                var endToEnd = Chunks / watch.Elapsed.TotalSeconds;
                Assert.Equal(Chunks, vectors.Count);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{precision} | {threads} | {batchSize} | {model:F1} | {endToEnd:F1}"));
            }
        }
    }
}
