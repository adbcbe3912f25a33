using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Server.Api;
using Sluice.Server.Security;

namespace Sluice.Server.Tests;

/// <summary>
/// The event log is a trust boundary: an event that names a document with a blob that is not that document's (another
/// tenant's upload or text, or bytes no document owns), or names the wrong tenant for a document, is dead-lettered with
/// the reason, and no stage reads the blob. Nothing of the other tenant's content reaches the first tenant's chunks,
/// search or summary.
/// </summary>
public sealed class ForgedEventTests
{
    private const string SecretWord = "zanzibarquokka";

    /// <summary>How long a forged event is given to do harm, if it can, before the test looks at what it did.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string?> Settings = new() { ["Sluice:RetryDelays"] = "1s" };

    [Fact]
    public async Task AnEventNamingDocumentAWithTenantBsBlobs_IsDeadLettered_AndNothingOfBReachesA()
    {
        await using var host = await SluiceTestHost.StartAsync(Settings, s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var (a, b) = await TwoTenantsAsync(host);
        var statuses = host.Services.GetRequiredService<IStatusStore>();
        var bSource = (await statuses.GetAsync(b.Id, Ct))!.Document.Source;
        var bExtracted = EventEnvelope.Parse((await host.ReadAllAsync(Topics.DocumentsExtracted)).Single(r => r.Key == b.Id).Value.Span).GetData<DocumentExtracted>();

        // The upload: A's id and tenant, B's source. Then B's extracted text under A's name, for chunk and summarize.
        await PublishAsync(host, Topics.DocumentsSubmitted, Forge(Topics.DocumentsSubmitted, "acme", a.Id, new DocumentSubmitted(bSource, "b.txt", "text"), "a-with-b-source"));
        await PublishAsync(host, Topics.DocumentsExtracted, Forge(Topics.DocumentsExtracted, "acme", a.Id, bExtracted, "a-with-b-text"));

        var dead = await DeadLettersAsync(host, a.Id, ["extract", "chunk", "summarize"]);
        await AssertNothingOfBReachesAcmeAsync(host, a.Id);
        foreach (var stage in new[] { "extract", "chunk", "summarize" })
        {
            var letter = Assert.Single(dead, d => d.Headers[Headers.ConsumerGroup] == stage);
            Assert.Equal("permanent", letter.Headers[Headers.ErrorType]);
            Assert.Contains($"the event's blob does not belong to document {a.Id} of tenant acme", letter.Headers[Headers.ErrorMessage], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnEventNamingTenantAForADocumentOfTenantB_IsDeadLettered_AndBsChunksStayBs()
    {
        await using var host = await SluiceTestHost.StartAsync(Settings, s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var (a, b) = await TwoTenantsAsync(host);
        var bSource = (await host.Services.GetRequiredService<IStatusStore>().GetAsync(b.Id, Ct))!.Document.Source;
        var bEmbedded = EventEnvelope.Parse((await host.ReadAllAsync(Topics.ChunksEmbedded)).Single(r => r.Key == b.Id).Value.Span).GetData<ChunksEmbedded>();

        // B's own document and blobs, but the tenant says acme: extraction, and indexing of B's vectors under acme.
        await PublishAsync(host, Topics.DocumentsSubmitted, Forge(Topics.DocumentsSubmitted, "acme", b.Id, new DocumentSubmitted(bSource, "b.txt", "text"), "b-as-acme"));
        await PublishAsync(host, Topics.ChunksEmbedded, Forge(Topics.ChunksEmbedded, "acme", b.Id, bEmbedded, "b-embedded-as-acme"));

        var dead = await DeadLettersAsync(host, b.Id, ["extract", "index"]);
        await AssertNothingOfBReachesAcmeAsync(host, a.Id);
        using (var asGlobex = Get($"/v1/search?q={SecretWord}&mode=keyword", "globex"))
        using (var found = await SendAsync(host, asGlobex))
        {
            var hits = (await found.Content.ReadFromJsonAsync<SearchResponse>(Ct))!.Results;
            Assert.Contains(hits, h => h.DocumentId == b.Id); // B still finds its own document
        }

        foreach (var stage in new[] { "extract", "index" })
        {
            var letter = Assert.Single(dead, d => d.Headers[Headers.ConsumerGroup] == stage);
            Assert.Equal("permanent", letter.Headers[Headers.ErrorType]);
            Assert.Contains($"the event names tenant acme for document {b.Id}, which is not that tenant's", letter.Headers[Headers.ErrorMessage], StringComparison.Ordinal);
            Assert.DoesNotContain("globex", letter.Headers[Headers.ErrorMessage], StringComparison.Ordinal); // whose it is stays unsaid
        }
    }

    [Fact]
    public async Task AnEventNamingABlobThatBelongsToNoDocument_IsDeadLettered_AndNeverRead()
    {
        await using var host = await SluiceTestHost.StartAsync(Settings, s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var (a, _) = await TwoTenantsAsync(host);
        BlobReference orphan;
        using (var bytes = new MemoryStream(Encoding.UTF8.GetBytes($"Bytes in the store that no document owns, with the word {SecretWord}.")))
        {
            orphan = await host.Services.GetRequiredService<IBlobStore>().PutAsync(bytes, "text/plain", cancellationToken: Ct);
        }

        var unregistered = Ids.Document("acme", orphan.Sha256);
        await PublishAsync(host, Topics.DocumentsSubmitted, Forge(Topics.DocumentsSubmitted, "acme", a.Id, new DocumentSubmitted(orphan, "o.txt", "text"), "a-with-orphan"));
        await PublishAsync(host, Topics.DocumentsSubmitted, Forge(Topics.DocumentsSubmitted, "acme", unregistered, new DocumentSubmitted(orphan, "o.txt", "text"), "orphan"));

        var forA = Assert.Single(await DeadLettersAsync(host, a.Id, ["extract"]));
        var forNobody = Assert.Single(await DeadLettersAsync(host, unregistered, ["extract"]));
        await AssertNothingOfBReachesAcmeAsync(host, a.Id);
        Assert.Contains($"the event's blob does not belong to document {a.Id} of tenant acme", forA.Headers[Headers.ErrorMessage], StringComparison.Ordinal);
        Assert.Contains($"the event names document {unregistered} of tenant acme, which is not registered", forNobody.Headers[Headers.ErrorMessage], StringComparison.Ordinal);
        Assert.Equal("1", forNobody.Headers[Headers.Attempts]);
    }

    /// <summary>A's plain document for tenant acme and B's, holding the secret word, for tenant globex; both completed.</summary>
    private static async Task<(DocumentResponse A, DocumentResponse B)> TwoTenantsAsync(SluiceTestHost host)
    {
        var a = await UploadAsync(host, "acme", "Acme writes about ordinary garden tools and the weather in spring.", "a.txt");
        var b = await UploadAsync(host, "globex", $"Globex keeps a confidential plan whose code word is {SecretWord}, known only to Globex.", "b.txt");
        await CompletedAsync(host, a.Id, "acme");
        await CompletedAsync(host, b.Id, "globex");
        return (a, b);
    }

    private static async Task CompletedAsync(SluiceTestHost host, string id, string tenant)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? status;
        do
        {
            await Task.Delay(50, Ct);
            using var request = Get($"/v1/documents/{id}", tenant);
            using var response = await SendAsync(host, request);
            status = (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))?.Status;
        }
        while (status is not ("completed" or "failed" or "dead_lettered") && DateTime.UtcNow < deadline);

        Assert.Equal("completed", status);
    }

    private static async Task<DocumentResponse> UploadAsync(SluiceTestHost host, string tenant, string text, string fileName)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes(text)), "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/documents", UriKind.Relative)) { Content = form };
        using var response = await (await host.ClientForAsync(tenant)).SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!;
    }

    private static EventEnvelope Forge<T>(string type, string tenant, string documentId, T data, string name)
        => EventEnvelope.Create(type, tenant, documentId, data, Ids.Derive("forged", name), DateTimeOffset.UtcNow);

    private static async Task PublishAsync(SluiceTestHost host, string topic, EventEnvelope envelope)
    {
        await using var producer = host.Services.GetRequiredService<IEventLog>().CreateProducer();
        await producer.ProduceAsync([EventRecords.ToRecord(topic, envelope)], Ct);
    }

    /// <summary>
    /// The dead letters of <paramref name="documentId"/> on the stages' dead-letter topics, once there is one for each of
    /// <paramref name="stages"/>, or whatever there is after <see cref="Settle"/>: a forged event that is not refused has
    /// had its time to do harm by then.
    /// </summary>
    private static async Task<List<ConsumedRecord>> DeadLettersAsync(SluiceTestHost host, string documentId, string[] stages)
    {
        var deadline = DateTime.UtcNow + Settle;
        List<ConsumedRecord> dead;
        do
        {
            dead = [.. (await host.ReadAllAsync([.. stages.Select(Topics.DeadLetter)])).Where(r => r.Key == documentId)];
        }
        while (stages.Any(s => !dead.Any(d => d.Headers[Headers.ConsumerGroup] == s)) && DateTime.UtcNow < deadline);

        return dead;
    }

    /// <summary>Nothing of globex's document in acme's document A (chunks, summary) or in acme's search, in the API or the index itself.</summary>
    private static async Task AssertNothingOfBReachesAcmeAsync(SluiceTestHost host, string aId)
    {
        using (var chunksRequest = Get($"/v1/documents/{aId}/chunks", "acme"))
        using (var chunks = await SendAsync(host, chunksRequest))
        {
            var page = (await chunks.Content.ReadFromJsonAsync<ChunkPage>(Ct))!;
            Assert.NotEmpty(page.Items);
            Assert.All(page.Items, c => Assert.DoesNotContain(SecretWord, c.Text, StringComparison.Ordinal));
        }

        using (var summaryRequest = Get($"/v1/documents/{aId}/summary", "acme"))
        using (var summary = await SendAsync(host, summaryRequest))
        {
            Assert.DoesNotContain(SecretWord, await summary.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var searchRequest = Get($"/v1/search?q={SecretWord}&mode=keyword", "acme"))
        using (var search = await SendAsync(host, searchRequest))
        {
            Assert.Empty((await search.Content.ReadFromJsonAsync<SearchResponse>(Ct))!.Results);
        }

        var index = host.Services.GetRequiredService<ISearchIndex>();
        Assert.Empty(await index.SearchAsync(new SearchQuery(SecretWord, null, 10, SearchMode.Keyword, "acme"), Ct));
    }

    private static readonly HttpRequestOptionsKey<string> Tenant = new("tenant");

    /// <summary>A GET made as <paramref name="tenant"/> (with an API key of its own, by <see cref="SendAsync"/>).</summary>
    private static HttpRequestMessage Get(string path, string tenant)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Options.Set(Tenant, tenant);
        return request;
    }

    private static async Task<HttpResponseMessage> SendAsync(SluiceTestHost host, HttpRequestMessage request)
    {
        Assert.True(request.Options.TryGetValue(Tenant, out var tenant));
        return await (await host.ClientForAsync(tenant, SluiceRole.Reader)).SendAsync(request, Ct);
    }
}
