using System.Net.ServerSentEvents;
using System.Text.Json;
using Sluice.Server.Events;

namespace Sluice.Cli.Client;

/// <summary>
/// Follows the caller's tenant's status events (<c>GET /v1/events</c>). Every event carries its position as its id (a
/// keep-alive too, so the stream's starting position is known before anything happens); when the stream drops, the
/// follower connects again with <c>Last-Event-ID</c> and the server carries on from there: nothing is missed, nothing
/// comes twice.
/// </summary>
internal sealed class StatusEventFollower(SluiceClient client) : IAsyncDisposable
{
    /// <summary>Consecutive failed reconnections (the server is gone, not just the connection) before giving up.</summary>
    private const int MaxReconnectFailures = 10;

    private readonly Queue<StatusEventResponse> _pending = new();
    private HttpResponseMessage? _response;
    private IAsyncEnumerator<SseItem<string>>? _events;

    /// <summary>The id of the last event received: where a reconnection resumes.</summary>
    public string? LastEventId { get; private set; }

    /// <summary>
    /// Opens the stream and reads until it knows its position (the stream's first keep-alive, sent at once). False when
    /// the server has no event stream (it answers 404: an older server); throws <see cref="CliException"/> when it cannot
    /// be reached or refuses.
    /// </summary>
    public async Task<bool> StartAsync(CancellationToken cancellationToken)
    {
        if (!await ConnectAsync(cancellationToken))
        {
            return false;
        }

        while (LastEventId is null)
        {
            if (await ReadAsync(cancellationToken) is not { } item)
            {
                return await ReconnectAsync(cancellationToken) && LastEventId is not null;
            }

            if (item.Change is { } change)
            {
                _pending.Enqueue(change);
            }
        }

        return true;
    }

    /// <summary>
    /// The next status change, keep-alives skipped; reconnects when the stream drops. Null when the server no longer
    /// offers the stream (the caller falls back to polling).
    /// </summary>
    public async Task<StatusEventResponse?> NextAsync(CancellationToken cancellationToken)
    {
        if (_pending.TryDequeue(out var queued))
        {
            return queued;
        }

        while (true)
        {
            if (_events is null && !await ReconnectAsync(cancellationToken))
            {
                return null;
            }

            var next = await ReadAsync(cancellationToken);
            if (next is null)
            {
                await CloseAsync();
                continue;
            }

            if (next.Value.Change is { } change)
            {
                return change;
            }
        }
    }

    public async ValueTask DisposeAsync() => await CloseAsync();

    /// <summary>The next item of the open stream; null when it ended or dropped.</summary>
    private async Task<Item?> ReadAsync(CancellationToken cancellationToken)
    {
        bool moved;
        try
        {
            moved = _events is not null && await _events.MoveNextAsync();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            moved = false;
        }

        if (!moved)
        {
            return null;
        }

        var current = _events!.Current;
        if (current.EventId is { Length: > 0 } id)
        {
            LastEventId = id;
        }

        if (current.EventType == StatusEventResponse.KeepAliveType || string.IsNullOrWhiteSpace(current.Data))
        {
            return new Item(null);
        }

        try
        {
            return new Item(JsonSerializer.Deserialize<StatusEventResponse>(current.Data, SluiceClient.Json));
        }
        catch (JsonException)
        {
            return new Item(null); // an event this version cannot read: skipped, its position still counts
        }
    }

    /// <summary>Connects again after <see cref="LastEventId"/>, waiting a little longer after each failure.</summary>
    private async Task<bool> ReconnectAsync(CancellationToken cancellationToken)
    {
        await CloseAsync();
        for (var failures = 0; ; failures++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(250 * (1 << Math.Min(failures, 4)), 3_000)), cancellationToken);
            try
            {
                return await ConnectAsync(cancellationToken);
            }
            catch (CliException) when (failures + 1 < MaxReconnectFailures && !cancellationToken.IsCancellationRequested)
            {
                // The server restarts or a proxy hiccups: try again.
            }
        }
    }

    private async Task<bool> ConnectAsync(CancellationToken cancellationToken)
    {
        var response = await client.OpenEventsAsync(LastEventId, cancellationToken);
        if (response is null)
        {
            return false;
        }

        _response = response;
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        _events = SseParser.Create(body).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        return true;
    }

    private async Task CloseAsync()
    {
        if (_events is not null)
        {
            try
            {
                await _events.DisposeAsync();
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                // The connection is gone already.
            }

            _events = null;
        }

        _response?.Dispose();
        _response = null;
    }

    /// <summary>One item of the stream: a change, or null for a keep-alive.</summary>
    private readonly record struct Item(StatusEventResponse? Change);
}
