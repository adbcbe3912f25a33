using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Server.Events;
using Sluice.Server.Security;

namespace Sluice.Server.Tests.Events;

/// <summary>Live status streams as server-sent events, read off the wire by a client that parses them itself.</summary>
public sealed class StatusEventsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADocumentsStream_StartsWithItsStatus_ThenCarriesEveryChangeInOrder_AndEndsWithCompleted()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(60)), "live.txt");

        await using var stream = await SseReader.OpenAsync(host.Client, $"/v1/documents/{document.Id}/events", cancellationToken: Ct);
        var events = await stream.ReadToEndAsync();

        var first = events[0];
        Assert.Equal(StatusEventResponse.StatusType, first.Type);
        Assert.Equal(document.Id, first.DocumentId);
        Assert.Equal("document.completed", events[^1].Type);
        Assert.Equal("completed", events[^1].Json.GetProperty("state").GetString());

        // Exactly what the feed holds for the document after the status event, in its order, with the same ids.
        var changes = await Feed(host).ReadAsync("default", first.Position, 1_000, document.Id, Ct);
        Assert.Equal(changes.Select(c => (c.Position, c.Type)), events.Skip(1).Select(e => (e.Position, e.Type)));
        Assert.Contains(events, e => e.Type == "document.stage_changed" && e.Json.GetProperty("stage").GetString() == "chunk"
                                     && e.Json.GetProperty("stageState").GetString() == "succeeded");
        Assert.All(events, e => Assert.Equal(document.Id, e.DocumentId));
        Assert.All(events, e => Assert.Equal(1, e.Json.GetProperty("revision").GetInt32()));
    }

    [Fact]
    public async Task AStreamOfADocumentThatIsDone_IsItsStatusAlone()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(20)), "done.txt");
        await host.WaitForTerminalAsync(document.Id);

        await using var stream = await SseReader.OpenAsync(host.Client, $"/v1/documents/{document.Id}/events", cancellationToken: Ct);
        var only = Assert.Single(await stream.ReadToEndAsync());

        Assert.Equal((StatusEventResponse.StatusType, "completed"), (only.Type, only.Json.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task AClientThatReconnectsWithLastEventId_GetsExactlyTheRest()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(80)), "resume.txt");
        var path = $"/v1/documents/{document.Id}/events";

        // From the start of the feed (Last-Event-ID 0); the connection drops after three changes.
        List<SseEvent> before;
        await using (var stream = await SseReader.OpenAsync(host.Client, path, lastEventId: "0", Ct))
        {
            var read = 0;
            before = await stream.ReadUntilAsync(_ => ++read == 3);
        }

        await using var again = await SseReader.OpenAsync(host.Client, path, lastEventId: before[^1].Id, Ct);
        var after = await again.ReadToEndAsync();

        Assert.Equal("document.accepted", before[0].Type);
        Assert.Equal("document.completed", after[^1].Type);
        var changes = await Feed(host).ReadAsync("default", 0, 1_000, document.Id, Ct);
        Assert.Equal(changes.Select(c => c.Position), before.Concat(after).Select(e => e.Position));
    }

    [Fact]
    public async Task ATenantsStream_NeverCarriesAnotherTenantsChanges_AndFiltersByType()
    {
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?> { ["Sluice:Events:KeepAliveInterval"] = "00:00:00.200" });
        var acmeReader = await host.ClientForAsync("acme", SluiceRole.Reader);
        var acme = await host.ClientForAsync("acme");
        var globex = await host.ClientForAsync("globex");

        // News only: a stream opened now carries nothing of what happened before.
        await using var news = await SseReader.OpenAsync(acmeReader, "/v1/events", cancellationToken: Ct);
        await using var completions = await SseReader.OpenAsync(acmeReader, "/v1/events?types=document.completed,document.failed", cancellationToken: Ct);
        var theirs = await UploadAsync(globex, TestDocuments.Prose(30, "rockets"), "theirs.txt");
        var ours = await UploadAsync(acme, TestDocuments.Prose(30, "anvils"), "ours.txt");
        await WaitForTerminalAsync(globex, theirs);

        var live = await news.ReadUntilAsync(e => e.Type == "document.completed");
        Assert.All(live, e => Assert.Equal(ours, e.DocumentId));
        Assert.Equal(["document.accepted"], live.Take(1).Select(e => e.Type));
        var completed = await completions.ReadUntilAsync(e => e.Type == "document.completed");
        Assert.Equal([(ours, "document.completed")], completed.Select(e => (e.DocumentId, e.Type)));

        // From the start (?after=0), once both are done: every change of acme's, none of globex's, then keep-alives.
        await using var all = await SseReader.OpenAsync(acmeReader, "/v1/events?after=0", cancellationToken: Ct);
        var replayed = new List<SseEvent>();
        while (await all.NextAsync() is { Type: not "keep-alive" } next)
        {
            replayed.Add(next);
        }

        Assert.Equal((await Feed(host).ReadAsync("acme", 0, 1_000, cancellationToken: Ct)).Select(c => c.Position), replayed.Select(e => e.Position));
        Assert.All(replayed, e => Assert.Equal(ours, e.DocumentId));
        Assert.NotEmpty(await Feed(host).ReadAsync("globex", 0, 1_000, cancellationToken: Ct));
    }

    [Fact]
    public async Task AnUnknownDocument_OrAnotherTenants_Is404Problem_AndBadPositionsAre400()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var globex = await host.ClientForAsync("globex");
        var acme = await host.ClientForAsync("acme", SluiceRole.Reader);
        var theirs = await UploadAsync(globex, TestDocuments.Prose(10), "theirs.txt");

        foreach (var id in new[] { "no-such-document", theirs })
        {
            using var response = await SseReader.SendAsync(acme, $"/v1/documents/{id}/events", cancellationToken: Ct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Document not found", (await response.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!.Title);
        }

        using (var badId = await SseReader.SendAsync(acme, "/v1/events", lastEventId: "yesterday", Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        }

        using (var badAfter = await SseReader.SendAsync(acme, "/v1/events?after=-1", cancellationToken: Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badAfter.StatusCode);
        }

        using var badType = await SseReader.SendAsync(acme, "/v1/events?types=document.exploded", cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
        Assert.Contains("document.completed", (await badType.Content.ReadFromJsonAsync<ProblemDetails>(Ct))!.Detail, StringComparison.Ordinal);
    }

    private static IStatusChangeFeed Feed(SluiceTestHost host) => host.Services.GetRequiredService<IStatusChangeFeed>();

    private static async Task<string> UploadAsync(HttpClient client, string text, string fileName)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", fileName);
        using var response = await client.PostAsync(new Uri("/v1/documents", UriKind.Relative), form, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Api.DocumentResponse>(Ct))!.Id;
    }

    private static async Task WaitForTerminalAsync(HttpClient client, string id)
    {
        await using var stream = await SseReader.OpenAsync(client, $"/v1/documents/{id}/events", cancellationToken: Ct);
        await stream.ReadToEndAsync();
    }
}
