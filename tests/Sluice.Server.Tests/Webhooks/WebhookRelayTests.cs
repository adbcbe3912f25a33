using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded;
using Sluice.Server.Webhooks;

namespace Sluice.Server.Tests.Webhooks;

/// <summary>
/// The relay on its own: a small change feed in memory, the subscriptions and cursor in a real SQLite store, and a
/// producer that records (or fails) what it is given.
/// </summary>
public sealed class WebhookRelayTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N"));
    private readonly SqliteWebhookStore _store;
    private readonly MemoryFeed _feed = new();
    private readonly RecordingProducer _producer = new();

    public WebhookRelayTests()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteWebhookStore(Options.Create(new SqliteStoreOptions { StatusPath = Path.Combine(_directory, "status.db") }));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachChange_BecomesOneDeliveryPerMatchingSubscription_OfItsTenant_AndTheCursorFollows()
    {
        await _store.CreateAsync(Subscription("wh_all", "acme", StatusChangeTypes.All), Ct);
        await _store.CreateAsync(Subscription("wh_done", "acme", [StatusChangeTypes.Completed]), Ct);
        await _store.CreateAsync(Subscription("wh_other", "globex", StatusChangeTypes.All), Ct);
        _feed.Add("acme", StatusChangeTypes.Accepted);
        _feed.Add("acme", StatusChangeTypes.Completed);
        _feed.Add("initech", StatusChangeTypes.Completed);

        await Relay().RelayOnceAsync(_feed, _producer, Ct);

        var deliveries = _producer.Deliveries();
        Assert.Equal(
            [("wh_all", 1L), ("wh_all", 2L), ("wh_done", 2L)],
            deliveries.Select(d => (d.Data.SubscriptionId, d.Data.Change.Position)).Order());
        Assert.All(deliveries, d => Assert.Equal(WebhookRelay.DeliveryId(d.Data.SubscriptionId, d.Data.Change.Position), d.Envelope.Id));
        Assert.All(deliveries, d => Assert.Equal(("acme", "doc-acme"), (d.Envelope.Tenant, d.Record.Key)));
        Assert.All(_producer.Records, r => Assert.Equal(Topics.WebhookDeliveries, r.Topic));
        Assert.DoesNotContain(_producer.Records, r => r.Value.Span.IndexOf("whsec_"u8) >= 0); // the secret stays in the store
        Assert.Equal(3, await _store.ReadCursorAsync(Ct));
    }

    [Fact]
    public async Task ASubscription_GetsOnlyChangesAfterItWasCreated()
    {
        _feed.Add("acme", StatusChangeTypes.Accepted);
        _feed.Add("acme", StatusChangeTypes.Completed);
        await _store.CreateAsync(Subscription("wh_new", "acme", StatusChangeTypes.All) with { StartsAfter = 2 }, Ct);
        _feed.Add("acme", StatusChangeTypes.Deleted);

        await Relay().RelayOnceAsync(_feed, _producer, Ct);

        Assert.Equal([3L], _producer.Deliveries().Select(d => d.Data.Change.Position));
    }

    [Fact]
    public async Task ACrashBetweenProduceAndAdvance_ProducesTheSameDeliveryIdsAgain_AndLosesNone()
    {
        await _store.CreateAsync(Subscription("wh_1", "acme", StatusChangeTypes.All), Ct);
        _feed.Add("acme", StatusChangeTypes.Accepted);
        _feed.Add("acme", StatusChangeTypes.Completed);
        var crashing = new CrashAfterProduceStore(_store);

        await Assert.ThrowsAsync<IOException>(() => Relay(crashing).RelayOnceAsync(_feed, _producer, Ct));
        var first = _producer.Deliveries().Select(d => d.Envelope.Id).ToList();
        Assert.Equal(0, await _store.ReadCursorAsync(Ct));

        await Relay().RelayOnceAsync(_feed, _producer, Ct); // the next relay (after a restart) starts from the cursor
        var all = _producer.Deliveries().Select(d => d.Envelope.Id).ToList();

        Assert.Equal(2, first.Count);
        Assert.Equal([.. first, .. first], all); // the same ids again: receivers drop the repeats by webhook-id
        Assert.Equal(2, await _store.ReadCursorAsync(Ct));
    }

    [Fact]
    public async Task ASubscriptionCreatedAfterTheCacheWasFilled_StillGetsItsFirstChanges()
    {
        // The relay has read the subscriptions (none of acme's yet) while the feed was at position 1.
        var relay = Relay(ttl: TimeSpan.FromHours(1));
        _feed.Add("globex", StatusChangeTypes.Accepted);
        await relay.RelayOnceAsync(_feed, _producer, Ct);

        // Then acme subscribes (starting after position 1), and its document changes.
        await _store.CreateAsync(Subscription("wh_late", "acme", StatusChangeTypes.All) with { StartsAfter = await _feed.LatestPositionAsync(Ct) }, Ct);
        _feed.Add("acme", StatusChangeTypes.Accepted);
        await relay.RelayOnceAsync(_feed, _producer, Ct);

        Assert.Equal([("wh_late", 2L)], _producer.Deliveries().Select(d => (d.Data.SubscriptionId, d.Data.Change.Position)));
    }

    [Fact]
    public async Task TwoRelays_NeverMoveTheCursorBackwards()
    {
        await _store.CreateAsync(Subscription("wh_1", "acme", StatusChangeTypes.All), Ct);
        for (var i = 0; i < 50; i++)
        {
            _feed.Add("acme", StatusChangeTypes.Progress);
        }

        var one = Relay(batch: 7);
        var two = Relay(batch: 11);
        var seen = new List<long>();
        for (var round = 0; round < 10; round++)
        {
            await Task.WhenAll(one.RelayOnceAsync(_feed, _producer, Ct), two.RelayOnceAsync(_feed, _producer, Ct));
            seen.Add(await _store.ReadCursorAsync(Ct));
        }

        Assert.Equal(seen.Order(), seen);
        Assert.Equal(50, seen[^1]);
        Assert.Equal(50, _producer.Deliveries().Select(d => d.Envelope.Id).Distinct().Count());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private WebhookRelay Relay(IWebhookStore? store = null, TimeSpan? ttl = null, int batch = 500)
    {
        var options = Options.Create(new WebhookOptions { SubscriptionCacheTtl = ttl ?? TimeSpan.FromSeconds(5), BatchSize = batch });
        store ??= _store;
        return new WebhookRelay(
            store, log: null!, new WebhookSubscriptionCache(store, options, TimeProvider.System), options, TimeProvider.System,
            NullLogger<WebhookRelay>.Instance, _feed);
    }

    private static WebhookSubscription Subscription(string id, string tenant, IReadOnlyList<string> events)
        => new(id, tenant, "https://hooks.example.com/" + id, events, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Now, 0);

    /// <summary>A change feed in memory: positions 1, 2, 3… in the order changes are added.</summary>
    private sealed class MemoryFeed : IStatusChangeFeed
    {
        private readonly List<StatusChange> _changes = [];

        public void Add(string tenant, string type)
        {
            lock (_changes)
            {
                _changes.Add(new StatusChange(
                    _changes.Count + 1, type, tenant, $"doc-{tenant}", 1,
                    type == StatusChangeTypes.Completed ? DocumentState.Completed : DocumentState.Processing, null, null, null, null, Now));
            }
        }

        public Task<IReadOnlyList<StatusChange>> ReadAsync(
            string? tenant, long after, int limit, string? documentId = null, CancellationToken cancellationToken = default)
        {
            lock (_changes)
            {
                return Task.FromResult<IReadOnlyList<StatusChange>>(
                    [.. _changes.Where(c => c.Position > after && (tenant is null || c.Tenant == tenant)).Take(limit)]);
            }
        }

        public Task<long> LatestPositionAsync(CancellationToken cancellationToken = default)
        {
            lock (_changes)
            {
                return Task.FromResult((long)_changes.Count);
            }
        }
    }

    private sealed class RecordingProducer : IEventProducer
    {
        private readonly List<OutgoingRecord> _records = [];

        public IReadOnlyList<OutgoingRecord> Records
        {
            get
            {
                lock (_records)
                {
                    return [.. _records];
                }
            }
        }

        public List<(OutgoingRecord Record, EventEnvelope Envelope, WebhookDelivery Data)> Deliveries()
            => [.. Records.Select(r => EventEnvelope.Parse(r.Value.Span) is var e ? (r, e, e.GetData<WebhookDelivery>()) : default)];

        public Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken = default)
        {
            lock (_records)
            {
                _records.AddRange(records);
            }

            return Task.FromResult<IReadOnlyList<TopicPartitionOffset>>([]);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>The process dies after the log acknowledged the deliveries, before the cursor moved.</summary>
    private sealed class CrashAfterProduceStore(IWebhookStore inner) : IWebhookStore
    {
        public Task CreateAsync(WebhookSubscription subscription, CancellationToken cancellationToken = default) => inner.CreateAsync(subscription, cancellationToken);

        public Task<IReadOnlyList<WebhookSubscription>> ListAsync(string? tenant, CancellationToken cancellationToken = default) => inner.ListAsync(tenant, cancellationToken);

        public Task<WebhookSubscription?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.GetAsync(tenant, id, cancellationToken);

        public Task<bool> DeleteAsync(string tenant, string id, CancellationToken cancellationToken = default) => inner.DeleteAsync(tenant, id, cancellationToken);

        public Task<long> ReadCursorAsync(CancellationToken cancellationToken = default) => inner.ReadCursorAsync(cancellationToken);

        public Task<bool> TryAdvanceCursorAsync(long expected, long next, CancellationToken cancellationToken = default)
            => throw new IOException("the process died here");
    }
}
