using Sluice.Core.Ports;

namespace Sluice.Processing.Tests.Stages;

public class CoalescingEmbedderTests
{
    [Fact]
    public async Task ConcurrentCalls_AreMergedIntoSharedBatches_AndEachGetsItsOwnVectorsInOrder()
    {
        var inner = new RecordingEmbedder();
        await using var embedder = new CoalescingEmbedder(inner, maxTexts: 64);
        inner.Gate.Reset(); // hold the first batch so the others queue up behind it

        var first = embedder.EmbedAsync(["a0"], TestContext.Current.CancellationToken);
        await inner.Started.WaitAsync(TestContext.Current.CancellationToken);
        var others = Enumerable.Range(1, 10)
            .Select(i => embedder.EmbedAsync([$"a{i}", $"b{i}", $"c{i}"], TestContext.Current.CancellationToken))
            .ToList();
        inner.Gate.Set();

        Assert.Equal("a0", Text((await first)[0]));
        for (var i = 0; i < others.Count; i++)
        {
            Assert.Equal([$"a{i + 1}", $"b{i + 1}", $"c{i + 1}"], (await others[i]).Select(Text));
        }

        Assert.Equal([1, 30], inner.BatchSizes);
    }

    [Fact]
    public async Task AFailingBatch_FailsEveryCallInIt_AndLaterCallsStillWork()
    {
        var inner = new RecordingEmbedder { FailNext = true };
        await using var embedder = new CoalescingEmbedder(inner, maxTexts: 8);

        await Assert.ThrowsAsync<ProviderException>(() => embedder.EmbedAsync(["x1"], TestContext.Current.CancellationToken));
        var after = await embedder.EmbedAsync(["y2"], TestContext.Current.CancellationToken);

        Assert.Equal("y2", Text(after[0]));
    }

    private static string Text(float[] vector) => $"{(char)vector[0]}{(int)vector[1]}";

    /// <summary>Encodes each text's first letter and number into its vector, so results can be traced.</summary>
    private sealed class RecordingEmbedder : IEmbedder
    {
        public ManualResetEventSlim Gate { get; } = new(true);

        public SemaphoreSlim Started { get; } = new(0);

        public List<int> BatchSizes { get; } = [];

        public bool FailNext { get; set; }

        public EmbedderInfo Info { get; } = new("recording", "1", 2);

        public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
            => Task.Run<IReadOnlyList<float[]>>(() =>
            {
                BatchSizes.Add(texts.Count);
                Started.Release();
                Gate.Wait(cancellationToken);
                if (FailNext)
                {
                    FailNext = false;
                    throw new ProviderException("boom");
                }

                return [.. texts.Select(t => new float[] { t[0], int.Parse(t[1..], System.Globalization.CultureInfo.InvariantCulture) })];
            }, cancellationToken);
    }
}
