using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.Embedded;
using Sluice.Server.DeadLetters;

namespace Sluice.Server.Tests.Projections;

/// <summary>The dead-letter projection never moves past a dead letter it has not saved, whatever fails.</summary>
public sealed class DeadLetterProjectionOutageTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-dlq-projection", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SavesThatFail_StallTheProjectionOnTheSameRecord_ReportNotReady_AndNoDeadLetterIsLost()
    {
        var log = new SqliteEventLog(Options.Create(new SqliteEventLogOptions { Path = Path.Combine(_directory, "log.db"), DefaultPartitions = 1 }));
        await using (var producer = log.CreateProducer())
        {
            await producer.ProduceAsync(
                [.. Enumerable.Range(0, 10).Select(i => new OutgoingRecord(Topics.DeadLetter("extract"), $"doc-{i}", "{}"u8.ToArray(), new Dictionary<string, string> { [Headers.DocumentId] = $"doc-{i}" }))],
                Ct);
        }

        var readiness = new ReadinessSignals();
        var store = new FailingDeadLetterStore(
            new SqliteDeadLetterStore(Options.Create(new SqliteStoreOptions { DeadLettersPath = Path.Combine(_directory, "dead-letters.db") })), failures: 6, readiness);
        using var projection = new DeadLetterProjection(log, store, readiness, TimeProvider.System, NullLogger<DeadLetterProjection>.Instance)
        {
            InitialBackoff = TimeSpan.FromMilliseconds(5),
        };

        await projection.StartAsync(Ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        IReadOnlyList<DeadLetter> saved;
        while ((saved = await store.ListAsync(null, parkedOnly: false, 100, null, null, Ct)).Count < 10 || !readiness.IsReady)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {saved.Count} of 10 dead letters were saved");
            await Task.Delay(20, Ct);
        }

        await projection.StopAsync(Ct);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"doc-{i}").Order(), saved.Select(d => d.DocumentId).Order());
        Assert.Equal(6, store.ProblemsSeen.Count); // every try after the first failure (the 6 retries) saw the process not ready
        Assert.All(store.ProblemsSeen, p => Assert.Equal(DeadLetterProjection.Group, p.Component));
        Assert.All(store.ProblemsSeen, p => Assert.DoesNotContain("injected", p.Reason, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Fails its first saves with an error of a kind the projection did not expect, then saves.</summary>
    private sealed class FailingDeadLetterStore(IDeadLetterStore inner, int failures, ReadinessSignals readiness) : IDeadLetterStore
    {
        private int _saves;

        public List<ReadinessProblem> ProblemsSeen { get; } = [];

        public Task SaveAsync(DeadLetter deadLetter, CancellationToken cancellationToken = default)
        {
            ProblemsSeen.AddRange(readiness.Problems);
            return ++_saves <= failures
                ? throw new InvalidOperationException("the store's connection pool is exhausted (injected)")
                : inner.SaveAsync(deadLetter, cancellationToken);
        }

        public Task<IReadOnlyList<DeadLetter>> ListAsync(
            string? stage, bool parkedOnly, int limit, string? before, string? tenant, CancellationToken cancellationToken = default)
            => inner.ListAsync(stage, parkedOnly, limit, before, tenant, cancellationToken);

        public Task<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public Task<IReadOnlyList<DeadLetter>> ListParkedOldestFirstAsync(
            string? stage, string? after, string upTo, int limit, string? tenant, CancellationToken cancellationToken = default)
            => inner.ListParkedOldestFirstAsync(stage, after, upTo, limit, tenant, cancellationToken);

        public Task<int> CountParkedAsync(string? stage, string upTo, string? tenant, CancellationToken cancellationToken = default)
            => inner.CountParkedAsync(stage, upTo, tenant, cancellationToken);

        public Task<bool> TryBeginReplayAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) => inner.TryBeginReplayAsync(id, at, cancellationToken);

        public Task<bool> MarkReplayedAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) => inner.MarkReplayedAsync(id, at, cancellationToken);

        public Task<bool> ReturnToParkedAsync(string id, CancellationToken cancellationToken = default) => inner.ReturnToParkedAsync(id, cancellationToken);

        public Task<int> ReturnStaleReplaysAsync(DateTimeOffset startedBefore, CancellationToken cancellationToken = default) => inner.ReturnStaleReplaysAsync(startedBefore, cancellationToken);

        public Task<int> PruneReplayedAsync(DateTimeOffset replayedBefore, CancellationToken cancellationToken = default) => inner.PruneReplayedAsync(replayedBefore, cancellationToken);
    }
}
