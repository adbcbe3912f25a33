using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.DeadLetters;

/// <summary>What became of a request to replay one dead letter.</summary>
public abstract record ReplayOutcome
{
    /// <summary>Published again, and marked replayed.</summary>
    public sealed record Replayed(DeadLetter DeadLetter) : ReplayOutcome;

    /// <summary>No dead letter has that id (for a caller limited to a tenant: none of that tenant's).</summary>
    public sealed record NotFound : ReplayOutcome;

    /// <summary>Already replayed, or being replayed by someone else: nothing was published.</summary>
    public sealed record NotParked(DeadLetter DeadLetter) : ReplayOutcome;

    /// <summary>The replay queue is full; ask again after <paramref name="RetryAfter"/>.</summary>
    public sealed record Busy(TimeSpan RetryAfter) : ReplayOutcome;
}

/// <summary>
/// Publishes dead letters again, to the stage that parked them (its first retry topic, due at once; the input
/// topic when the stage has no retry tiers), so only that stage runs again. The failure context is dropped (a replay
/// starts with a fresh attempt count), where it came from is kept, and <c>sluice-replay-count</c> grows by one.
/// </summary>
/// <remarks>
/// <para>
/// A replay publishes at most once per dead letter: the store moves it from <c>parked</c> to <c>replaying</c>
/// with a compare-and-set first, and only the caller that won publishes; then it is marked <c>replayed</c>. A
/// failed publish puts it back to <c>parked</c>. If the process dies between the state change and the mark, the
/// dead letter is left <c>replaying</c>, and <see cref="DeadLetterMaintenance"/> puts it back to <c>parked</c>
/// once <see cref="DeadLetterOptions.StaleReplayAfter"/> has passed. It is not republished automatically: nobody
/// knows whether the publish got through, so the event is either on its way to the stage or visible as parked
/// again, never lost, and publishing it twice (when the operator replays it again) costs a repeated run of an
/// idempotent stage, never a wrong result.
/// </para>
/// <para>
/// Replays share one token bucket (<see cref="SluiceOptions.ReplaysPerSecond"/>), so a bulk replay cannot flood a
/// provider that just recovered. At most <see cref="DeadLetterOptions.ReplayQueueLimit"/> requests wait for it;
/// beyond that a replay is refused (<see cref="ReplayOutcome.Busy"/>) instead of queueing without bound.
/// </para>
/// </remarks>
public sealed class DeadLetterReplayer : IAsyncDisposable
{
    private static readonly string[] FailureHeaders =
        [Headers.Attempts, Headers.NotBefore, Headers.ErrorType, Headers.ErrorMessage, Headers.FailedAt, Headers.FirstFailureAt];

    private readonly IDeadLetterStore _store;
    private readonly IEventProducer _producer;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<TimeSpan> _retryDelays;
    private readonly TokenBucketRateLimiter _limiter;
    private readonly int _replaysPerSecond;
    private readonly CancellationTokenSource _stopping = new();

    public DeadLetterReplayer(
        IDeadLetterStore store, IEventLog log, IOptions<SluiceOptions> options, IOptions<DeadLetterOptions> deadLetterOptions, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(deadLetterOptions);
        _store = store;
        _producer = log.CreateProducer();
        _time = time;
        _retryDelays = options.Value.RetryDelayList;
        _replaysPerSecond = options.Value.ReplaysPerSecond;
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = _replaysPerSecond,
            TokensPerPeriod = _replaysPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = deadLetterOptions.Value.ReplayQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Replays one dead letter, if it is parked and the replay queue has room.</summary>
    /// <param name="id">The dead letter.</param>
    /// <param name="tenant">
    /// When given, only a dead letter of this tenant is replayed; another tenant's (or one naming no tenant) is
    /// <see cref="ReplayOutcome.NotFound"/>, exactly like one that does not exist.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait for the replay rate.</param>
    /// <exception cref="EventLogException">The publish failed; the dead letter is parked again.</exception>
    public async Task<ReplayOutcome> ReplayAsync(string id, string? tenant, CancellationToken cancellationToken)
    {
        var deadLetter = await _store.GetAsync(id, cancellationToken);
        if (deadLetter is null || (tenant is not null && deadLetter.Tenant != tenant))
        {
            return new ReplayOutcome.NotFound();
        }

        if (deadLetter.State != "parked")
        {
            return new ReplayOutcome.NotParked(deadLetter);
        }

        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            return new ReplayOutcome.Busy(RetryAfter(lease));
        }

        // Not the request's token: once the dead letter is taken, a client that hangs up must not leave it half done.
        return await PublishAsync(deadLetter, _stopping.Token) is { } replayed
            ? new ReplayOutcome.Replayed(replayed)
            : new ReplayOutcome.NotParked(await _store.GetAsync(id, CancellationToken.None) ?? deadLetter);
    }

    /// <summary>Waits for a replay token however full the queue is (a bulk replay is not refused, it waits its turn); cancelled when the process stops.</summary>
    internal async Task<RateLimitLease> AcquireForJobAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var lease = await _limiter.AcquireAsync(1, cancellationToken);
            if (lease.IsAcquired)
            {
                return lease;
            }

            var wait = RetryAfter(lease);
            lease.Dispose();
            await Task.Delay(wait, _time, cancellationToken);
        }
    }

    /// <summary>
    /// Takes the dead letter (<c>parked</c> → <c>replaying</c>), publishes it and marks it replayed; null when it
    /// was not parked any more (another replay has it). The caller holds a token of the bucket.
    /// </summary>
    /// <exception cref="EventLogException">The publish failed; the dead letter is parked again.</exception>
    /// <param name="deadLetter">The dead letter, as listed (parked).</param>
    /// <param name="cancellationToken">The process stopping: a publish it cancels parks the dead letter again.</param>
    internal async Task<DeadLetter?> PublishAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        if (!await _store.TryBeginReplayAsync(deadLetter.Id, _time.GetUtcNow(), cancellationToken))
        {
            return null;
        }

        try
        {
            await _producer.ProduceAsync([ReplayRecord(deadLetter)], cancellationToken);
        }
        catch
        {
            await _store.ReturnToParkedAsync(deadLetter.Id, CancellationToken.None);
            throw;
        }

        var at = _time.GetUtcNow();
        await _store.MarkReplayedAsync(deadLetter.Id, at, CancellationToken.None);
        return deadLetter with { State = "replayed", Replays = deadLetter.Replays + 1, ReplayedAt = at };
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _producer.DisposeAsync();
        _limiter.Dispose();
        _stopping.Dispose();
    }

    private OutgoingRecord ReplayRecord(DeadLetter deadLetter)
    {
        var headers = new Dictionary<string, string>(deadLetter.Headers, StringComparer.Ordinal);
        foreach (var name in FailureHeaders)
        {
            headers.Remove(name);
        }

        var replays = headers.TryGetValue(Headers.ReplayCount, out var count) && int.TryParse(count, CultureInfo.InvariantCulture, out var n) ? n : 0;
        headers[Headers.ReplayCount] = (replays + 1).ToString(CultureInfo.InvariantCulture);
        var topic = _retryDelays.Count > 0
            ? Topics.Retry(deadLetter.Stage, _retryDelays[0])
            : headers.GetValueOrDefault(Headers.OriginalTopic, deadLetter.Topic);
        return new OutgoingRecord(topic, deadLetter.Key, deadLetter.Value, headers);
    }

    /// <summary>The limiter's own estimate when it gives one, else the time the bucket needs to serve a full queue.</summary>
    private TimeSpan RetryAfter(RateLimitLease lease)
        => lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero
            ? retryAfter
            : TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((double)(_limiter.GetStatistics()?.CurrentQueuedCount ?? 0) / _replaysPerSecond)));
}
