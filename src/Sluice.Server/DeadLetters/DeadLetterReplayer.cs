using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.DeadLetters;

/// <summary>
/// Publishes dead letters again, to the stage that parked them (its first retry topic, due at once; the input
/// topic when the stage has no retry tiers), so only that stage runs again. The failure context is dropped (a replay
/// starts with a fresh attempt count), where it came from is kept, and <c>sluice-replay-count</c> grows by one.
/// Replays share one token bucket (<see cref="SluiceOptions.ReplaysPerSecond"/>), so a bulk replay cannot flood
/// a provider that just recovered.
/// </summary>
public sealed class DeadLetterReplayer : IAsyncDisposable
{
    private static readonly string[] FailureHeaders =
        [Headers.Attempts, Headers.NotBefore, Headers.ErrorType, Headers.ErrorMessage, Headers.FailedAt, Headers.FirstFailureAt];

    private readonly IDeadLetterStore _store;
    private readonly IEventProducer _producer;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<TimeSpan> _retryDelays;
    private readonly TokenBucketRateLimiter _limiter;

    public DeadLetterReplayer(IDeadLetterStore store, IEventLog log, IOptions<SluiceOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _producer = log.CreateProducer();
        _time = time;
        _retryDelays = options.Value.RetryDelayList;
        var rate = options.Value.ReplaysPerSecond;
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = rate,
            TokensPerPeriod = rate,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Replays one dead letter; null when there is no such id.</summary>
    public async Task<DeadLetter?> ReplayAsync(string id, CancellationToken cancellationToken)
    {
        var deadLetter = await _store.GetAsync(id, cancellationToken);
        if (deadLetter is null)
        {
            return null;
        }

        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
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
        await _producer.ProduceAsync([new OutgoingRecord(topic, deadLetter.Key, deadLetter.Value, headers)], cancellationToken);
        var at = _time.GetUtcNow();
        await _store.MarkReplayedAsync(id, at, cancellationToken);
        return deadLetter with { State = "replayed", Replays = deadLetter.Replays + 1, ReplayedAt = at };
    }

    /// <summary>Replays the parked dead letters of <paramref name="stage"/> (all stages when null), oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<int> ReplayAllAsync(string? stage, int limit, CancellationToken cancellationToken)
    {
        var parked = new List<DeadLetter>();
        string? cursor = null;
        while (parked.Count < limit)
        {
            var page = await _store.ListAsync(stage, parkedOnly: true, 500, cursor, cancellationToken);
            parked.AddRange(page);
            if (page.Count < 500)
            {
                break;
            }

            cursor = page[^1].Id;
        }

        var replayed = 0;
        foreach (var deadLetter in parked.Take(limit).Reverse())
        {
            if (await ReplayAsync(deadLetter.Id, cancellationToken) is not null)
            {
                replayed++;
            }
        }

        return replayed;
    }

    public async ValueTask DisposeAsync()
    {
        await _producer.DisposeAsync();
        _limiter.Dispose();
    }
}
