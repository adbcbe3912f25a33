using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Core.Search;
using Sluice.Server.Api;

namespace Sluice.Server.Tests;

/// <summary>
/// A change of embedder (a new precision, a new model release) on a data directory indexed with the old one: search
/// never ranks across the two, and the API process re-embeds the old documents in place.
/// </summary>
public sealed class ReembeddingTests : IDisposable
{
    private const string Text = "Puffins dig burrows on grassy cliff tops and raise a single chick each summer.";
    private readonly TestDirectory _directory = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AfterAChangeOfEmbedder_OldDocumentsAreFoundByKeywordOnly_UntilReembedded_ThenByVectorAgain()
    {
        var id = await IngestWithVersionOneAsync();
        await using var host = await StartAsync("2", reembed: false);

        // The old vectors live in another space: a vector query made by version 2 must not be compared with them.
        Assert.Empty((await SearchAsync(host, "vector")).Results);
        Assert.Equal(id, Assert.Single((await SearchAsync(host, "keyword")).Results).DocumentId);

        var migrated = await host.Services.GetRequiredService<Reembedding>().RunOnceAsync(Ct);

        Assert.Equal(1, migrated);
        var hit = Assert.Single((await SearchAsync(host, "vector")).Results);
        Assert.Equal(id, hit.DocumentId);
        Assert.Equal(1.0, hit.Score, 3); // the query is the chunk's own text, embedded by the same version
        Assert.Empty(await host.Services.GetRequiredService<IVectorMigration>().ListForeignAsync("hashing-test@2", null, 10, Ct));
        Assert.Equal(0, await host.Services.GetRequiredService<Reembedding>().RunOnceAsync(Ct));
        Assert.Equal("completed", (await host.GetAsync(id)).Status);
    }

    [Fact]
    public async Task TheApiProcess_ReembedsOnItsOwn_AfterStartingWithANewEmbedder()
    {
        var id = await IngestWithVersionOneAsync();
        await using var host = await StartAsync("2", reembed: true);

        SearchResponse found;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(1));
        while ((found = await SearchAsync(host, "vector")).Results.Count == 0)
        {
            await Task.Delay(50, deadline.Token);
        }

        Assert.Equal(id, Assert.Single(found.Results).DocumentId);
    }

    private async Task<string> IngestWithVersionOneAsync()
    {
        await using var host = await StartAsync("1", reembed: false);
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(Text), "puffins.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(document.Id)).Status);
        Assert.Equal(document.Id, Assert.Single((await SearchAsync(host, "vector")).Results).DocumentId);
        return document.Id;
    }

    private Task<SluiceTestHost> StartAsync(string version, bool reembed) => SluiceTestHost.StartAsync(
        new Dictionary<string, string?>
        {
            ["Sluice:DataDirectory"] = _directory.Path,
            ["Sluice:Embedding:Reembed:Enabled"] = reembed ? "true" : "false",
            ["Sluice:Embedding:Reembed:StartDelay"] = "00:00:00",
        },
        s => s.AddSingleton<IEmbedder>(new HashingEmbedder(version)));

    private static async Task<SearchResponse> SearchAsync(SluiceTestHost host, string mode)
        => (await host.Client.GetFromJsonAsync<SearchResponse>(
            new Uri($"/v1/search?q={Uri.EscapeDataString(Text)}&k=10&mode={mode}", UriKind.Relative), Ct))!;
}
