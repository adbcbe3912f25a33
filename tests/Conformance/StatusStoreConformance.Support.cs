using Microsoft.Extensions.Time.Testing;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>
/// Behaviour every <see cref="IStatusStore"/> must have, whatever the backend. A fixture derives from this class and
/// says how to open a store on an empty backend of this test's own; stores opened twice in one test share the data,
/// as two processes (or hosts) would. Time is a fake clock the test moves.
/// </summary>
public abstract partial class StatusStoreConformance : IAsyncDisposable
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    protected static readonly string[] Pipeline = ["extract", "chunk"];
    protected static readonly BlobReference Source = Blob("source", 'a');

    private readonly OwnedResources _resources = new();
    private int _sequence;

    protected FakeTimeProvider Clock { get; } = new(T0);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public virtual async ValueTask DisposeAsync()
    {
        await _resources.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Opens a store on this test's backend, with <paramref name="pipeline"/> and the clock <paramref name="time"/>.</summary>
    protected abstract Task<IStatusStore> CreateStoreAsync(IReadOnlyList<string> pipeline, TimeProvider time, CancellationToken cancellationToken);

    /// <summary>How many stage rows the backend holds for the document, live or deleted (what the port cannot show).</summary>
    protected abstract Task<long> CountStageRowsAsync(string documentId, CancellationToken cancellationToken);

    protected async Task<IStatusStore> OpenStoreAsync()
    {
        var store = await CreateStoreAsync(Pipeline, Clock, Ct);
        _resources.Add(store);
        return store;
    }

    protected static DocumentRecord Document(string id, string tenant = "default", string name = "a.txt", BlobReference? source = null, DateTimeOffset? acceptedAt = null)
        => new(id, tenant, name, "text/plain", "text", source ?? Source, acceptedAt ?? T0);

    /// <summary>A shared (content-addressed) blob reference named for <paramref name="name"/>.</summary>
    protected static BlobReference Blob(string name, char fill = 'b')
        => new($"blob:sha256:{name}-{new string(fill, 16)}", new string(fill, 64), 10, "text/plain");

    protected Task<bool> ApplyAsync(IStatusStore store, string documentId, StageStatusChanged change, DateTimeOffset? at = null)
        => store.ApplyAsync(Envelope(documentId, change, at), Ct);

    protected Task<bool> ApplyAsync(IStatusStore store, string documentId, string eventId, StageStatusChanged change)
        => store.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", documentId, change, eventId, Clock.GetUtcNow()), Ct);

    protected EventEnvelope Envelope(string documentId, StageStatusChanged change, DateTimeOffset? at = null, int revision = 1)
    {
        var n = Interlocked.Increment(ref _sequence);
        return EventEnvelope.Create(Topics.DocumentsStatus, "default", documentId, change, $"e{n}", at ?? T0.AddSeconds(n), revision: revision);
    }

    /// <summary>Claims until the queue is empty and releases what was claimed, as the collector does; returns the claims.</summary>
    protected static async Task<List<BlobGarbage>> DrainGarbageAsync(IStatusStore store)
    {
        var all = new List<BlobGarbage>();
        while (true)
        {
            var claimed = await store.ClaimBlobGarbageAsync(100, TimeSpan.FromMinutes(1), Ct);
            if (claimed.Count == 0)
            {
                return all;
            }

            all.AddRange(claimed);
            await store.ReleaseBlobGarbageAsync(claimed, Ct);
        }
    }
}
