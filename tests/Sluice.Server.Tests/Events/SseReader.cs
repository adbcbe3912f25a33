using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;

namespace Sluice.Server.Tests.Events;

/// <summary>One server-sent event as a client sees it on the wire.</summary>
public sealed record SseEvent(string Type, string? Id, string Data)
{
    public long Position => long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture);

    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    public string DocumentId => Json.GetProperty("documentId").GetString()!;
}

/// <summary>A server-sent events stream of the API, read with the platform's SSE parser.</summary>
public sealed class SseReader : IAsyncDisposable
{
    /// <summary>How long a test may read one stream: a stream that hangs fails its test instead of the run.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _limit;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    private SseReader(HttpResponseMessage response, Stream body, CancellationTokenSource limit)
    {
        _response = response;
        _limit = limit;
        _events = SseParser.Create(body).EnumerateAsync(limit.Token).GetAsyncEnumerator(limit.Token);
    }

    /// <summary>Opens <paramref name="path"/>; fails the test unless it answers 200 with an event stream.</summary>
    public static async Task<SseReader> OpenAsync(HttpClient client, string path, string? lastEventId = null, CancellationToken cancellationToken = default)
    {
        var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        var response = await SendAsync(client, path, lastEventId, limit.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseReader(response, await response.Content.ReadAsStreamAsync(limit.Token), limit);
    }

    public static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string? lastEventId = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>The next event (keep-alives included); null when the server ended the stream.</summary>
    public async Task<SseEvent?> NextAsync()
        => await _events.MoveNextAsync() ? new SseEvent(_events.Current.EventType, _events.Current.EventId, _events.Current.Data) : null;

    /// <summary>Every event, keep-alives left out, until the server ends the stream.</summary>
    public async Task<List<SseEvent>> ReadToEndAsync()
    {
        var events = new List<SseEvent>();
        while (await NextAsync() is { } next)
        {
            if (next.Type != "keep-alive")
            {
                events.Add(next);
            }
        }

        return events;
    }

    /// <summary>Events (keep-alives left out) until one satisfies <paramref name="last"/>, which is included.</summary>
    public async Task<List<SseEvent>> ReadUntilAsync(Func<SseEvent, bool> last)
    {
        var events = new List<SseEvent>();
        while (await NextAsync() is { } next)
        {
            if (next.Type == "keep-alive")
            {
                continue;
            }

            events.Add(next);
            if (last(next))
            {
                return events;
            }
        }

        Assert.Fail($"the stream ended after {events.Count} events without the one awaited");
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        await _events.DisposeAsync();
        _response.Dispose();
        _limit.Dispose();
    }
}
