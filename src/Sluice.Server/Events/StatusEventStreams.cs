using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Events;

/// <summary>
/// Live status streams read from the status store's change feed (<see cref="IStatusChangeFeed"/>): a tenant's changes,
/// or one document's until it ends. A stream reads the feed in bounded batches, waits between reads for this process's
/// <see cref="StatusChangeSignal"/> or the poll interval (whichever comes first), sends a keep-alive event when it sent
/// nothing for a while, and ends quietly when the client goes away or the host stops. A failing read (the store is
/// down: a failure its adapter's <see cref="IStoreErrorClassifier"/> recognises) is logged and tried again; the client
/// keeps its connection and its place.
/// </summary>
public sealed partial class StatusEventStreams(
    IStatusChangeFeed feed,
    IOptions<EventsOptions> options,
    IHostApplicationLifetime lifetime,
    StoreErrors storeErrors,
    ILogger<StatusEventStreams> logger,
    TimeProvider? timeProvider = null,
    StatusChangeSignal? signal = null)
{
    private static readonly HashSet<string> Ends =
        [StatusChangeTypes.Completed, StatusChangeTypes.Failed, StatusChangeTypes.DeadLettered, StatusChangeTypes.Deleted];

    /// <summary>What a stream waits on when this process has no signal: nothing but its timer.</summary>
    private static readonly Task Never = new TaskCompletionSource().Task;

    private readonly EventsOptions _options = options.Value;
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>The position of the newest change: where a stream that wants only news starts.</summary>
    public Task<long> LatestPositionAsync(CancellationToken cancellationToken) => feed.LatestPositionAsync(cancellationToken);

    /// <summary>
    /// The tenant's changes after <paramref name="after"/>, of <paramref name="types"/> only when given, until the client
    /// goes away or the host stops.
    /// </summary>
    public async IAsyncEnumerable<SseItem<StatusEventResponse?>> TenantAsync(
        string tenant, long after, IReadOnlySet<string>? types, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in FollowAsync(tenant, null, after, cancellationToken))
        {
            if (item.Data is null || types is null || types.Contains(item.Data.Type))
            {
                yield return item;
            }
        }
    }

    /// <summary>
    /// One document's stream. A new stream (<paramref name="resumed"/> false) starts with the document's status
    /// <paramref name="current"/>, read after <paramref name="after"/> was taken as the newest position, and ends there when
    /// the document is done already. Then (or, for a resumed stream, from the client's <paramref name="after"/>) each change
    /// follows, and the stream ends after the one that completes, fails, dead-letters or deletes the document. A resumed
    /// stream of a document that ended meanwhile ends once it caught up, with the document's status if no change ending
    /// it was left to send.
    /// </summary>
    public async IAsyncEnumerable<SseItem<StatusEventResponse?>> DocumentAsync(
        DocumentStatus current, long after, bool resumed, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        var done = current.State is DocumentState.Completed or DocumentState.Failed or DocumentState.DeadLettered;
        if (!resumed)
        {
            yield return Event(StatusEventResponse.From(current, after));
            if (done)
            {
                yield break;
            }
        }

        var last = after;
        await foreach (var item in FollowAsync(current.Document.Tenant, current.Document.Id, after, cancellationToken, stopWhenCaughtUp: done, opened: !resumed))
        {
            yield return item;
            if (item.Data is { } change)
            {
                last = change.Position;
                if (Ends.Contains(change.Type))
                {
                    yield break;
                }
            }
        }

        if (done && !cancellationToken.IsCancellationRequested)
        {
            yield return Event(StatusEventResponse.From(current, last));
        }
    }

    private async IAsyncEnumerable<SseItem<StatusEventResponse?>> FollowAsync(
        string tenant, string? documentId, long after, [EnumeratorCancellation] CancellationToken cancellationToken, bool stopWhenCaughtUp = false,
        bool opened = false)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var token = stop.Token;
        var lastSent = _time.GetTimestamp();
        var failing = false;
        while (!token.IsCancellationRequested)
        {
            // Taken before the read: a change committed after the read completes it, so no wake-up is lost.
            var wake = signal?.Next ?? Never;
            IReadOnlyList<StatusChange> batch;
            try
            {
                batch = await feed.ReadAsync(tenant, after, _options.BatchSize, documentId, token);
                failing = false;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                yield break;
            }
            catch (Exception ex) when (storeErrors.IsStoreFailure(ex))
            {
                if (!failing)
                {
                    LogReadFailed(logger, ex);
                    failing = true;
                }

                batch = [];
            }

            foreach (var change in batch)
            {
                after = change.Position;
                yield return Event(StatusEventResponse.From(change));
            }

            if (batch.Count > 0)
            {
                opened = true;
                lastSent = _time.GetTimestamp();
                if (batch.Count == _options.BatchSize)
                {
                    continue; // more is waiting
                }
            }

            if (stopWhenCaughtUp && !failing)
            {
                yield break;
            }

            // A stream with nothing to send yet opens with a keep-alive: the response (its headers) reaches the client now.
            var quiet = _time.GetElapsedTime(lastSent);
            if (quiet >= _options.KeepAliveInterval || !opened)
            {
                opened = true;
                // Its id is the position read up to: a client that reconnects with it resumes there, missing nothing.
                yield return new SseItem<StatusEventResponse?>(null, StatusEventResponse.KeepAliveType)
                {
                    EventId = after.ToString(CultureInfo.InvariantCulture),
                };
                lastSent = _time.GetTimestamp();
                quiet = TimeSpan.Zero;
            }

            var nap = _options.PollInterval < _options.KeepAliveInterval - quiet ? _options.PollInterval : _options.KeepAliveInterval - quiet;
            await NapAsync(wake, nap, token);
        }
    }

    /// <summary>Returns when <paramref name="wake"/> completes, <paramref name="delay"/> passes, or the stream is stopped.</summary>
    private async Task NapAsync(Task wake, TimeSpan delay, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var elapsed = Task.Delay(delay, _time, timer.Token);
        await Task.WhenAny(wake, elapsed);
        await timer.CancelAsync();
    }

    private static SseItem<StatusEventResponse?> Event(StatusEventResponse data)
        => new(data, data.Type) { EventId = data.Position.ToString(CultureInfo.InvariantCulture) };

    [LoggerMessage(1, LogLevel.Warning, "A status stream could not read the change feed; it tries again at each poll")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);
}
