using System.Net;
using System.Net.Http.Json;
using System.Text;
using Sluice.Server.Api;

namespace Sluice.Server.Tests;

/// <summary>Upload → search through the API, with the real MiniLM model.</summary>
public class SearchApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PdfPassageFromAMiddlePage_IsInTheTopThree_WithItsPage()
    {
        await using var host = await SluiceTestHost.StartAsync();
        // Every page holds more than one chunk's worth of text, so the passage's chunk starts on its own page.
        var pages = Enumerable.Range(1, 7).Select(Page).ToArray();
        pages[3] =
        [
            .. Page(4).Take(15),
            "Lighthouse keepers on remote islands recorded the weather every three hours.",
            "Their logbooks describe storms, passing ships and the migration of seabirds.",
            "Historians now use these records to reconstruct the climate of the nineteenth century.",
            .. Page(4).Skip(15),
        ];
        var document = await host.AcceptAsync(TestDocuments.Pdf(pages), "handbook.pdf");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(document.Id, TimeSpan.FromMinutes(2))).Status);

        foreach (var mode in new[] { "hybrid", "vector", "keyword" })
        {
            var response = await SearchAsync(host, "lighthouse keepers weather logbooks", mode);

            var top3 = response.Results.Take(3).ToList();
            var hit = Assert.Single(top3, r => r.Text.Contains("Lighthouse keepers", StringComparison.Ordinal));
            Assert.Equal(4, hit.Page);
            Assert.Equal(document.Id, hit.DocumentId);
            Assert.Equal("handbook.pdf", hit.Filename);
        }
    }

    [Fact]
    public async Task Search_FiltersByDocument_AndRanksTheRelevantDocumentFirst()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var cooking = await host.AcceptAsync(Encoding.UTF8.GetBytes("Simmer the tomato sauce with garlic and basil for twenty minutes before serving the pasta."), "cooking.txt");
        var space = await host.AcceptAsync(Encoding.UTF8.GetBytes("The probe entered orbit around Jupiter after a five year journey through the solar system."), "space.txt");
        await host.WaitForTerminalAsync(cooking.Id);
        await host.WaitForTerminalAsync(space.Id);

        var semantic = await SearchAsync(host, "spacecraft travelling to a gas giant planet", "vector");
        var filtered = await SearchAsync(host, "spacecraft travelling to a gas giant planet", "vector", $"&documentId={cooking.Id}");

        Assert.Equal(space.Id, semantic.Results[0].DocumentId);
        Assert.All(filtered.Results, r => Assert.Equal(cooking.Id, r.DocumentId));
        Assert.NotEmpty(filtered.Results);
    }

    [Theory]
    [InlineData("/v1/search", "Missing query")]
    [InlineData("/v1/search?q=x&k=0", "Invalid k")]
    [InlineData("/v1/search?q=x&k=100000", "Invalid k")]
    [InlineData("/v1/search?q=x&mode=fuzzy", "Invalid mode")]
    public async Task BadSearchParameters_Are400Problems(string url, string title)
    {
        await using var host = await SluiceTestHost.StartAsync();

        using var response = await host.Client.GetAsync(new Uri(url, UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(title, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summary_IsServedOnceTheDocumentCompletes()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var text = string.Join(' ', Enumerable.Range(1, 30).Select(i => i % 3 == 0
            ? $"Backpressure lets every stage of the pipeline pull work at its own pace, point {i}."
            : $"The weather on day {i} was mild and nobody wrote anything else about it."));
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(text), "summary.txt");
        var done = await host.WaitForTerminalAsync(document.Id, TimeSpan.FromMinutes(2));

        var summary = (await host.Client.GetFromJsonAsync<SummaryResponse>(new Uri($"/v1/documents/{document.Id}/summary", UriKind.Relative), Ct))!;

        Assert.Equal("completed", done.Status);
        Assert.Equal("succeeded", done.Stages["summarize"].Status);
        Assert.StartsWith("extractive", summary.Summarizer, StringComparison.Ordinal);
        Assert.InRange(summary.Text.Length, 20, 1200);
        Assert.Contains(summary.Text.Split(". "), sentence => text.Contains(sentence.TrimEnd('.'), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Delete_RemovesTheDocumentFromEveryStore_IsIdempotent_AndAllowsReupload()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var bytes = Encoding.UTF8.GetBytes("Quokkas are small marsupials that live on Rottnest Island near Perth. They are famous for their smiles.");
        var document = await host.AcceptAsync(bytes, "quokka.txt");
        await host.WaitForTerminalAsync(document.Id);
        Assert.NotEmpty((await SearchAsync(host, "quokka marsupial", "hybrid")).Results);
        Assert.NotEqual(0, StoredBlobs(Path.Combine(host.DataDirectory, "blobs"))); // the upload, its text and what the stages derived

        using var deleted = await host.Client.DeleteAsync(new Uri($"/v1/documents/{document.Id}", UriKind.Relative), Ct);
        using var again = await host.Client.DeleteAsync(new Uri($"/v1/documents/{document.Id}", UriKind.Relative), Ct);
        using var unknown = await host.Client.DeleteAsync(new Uri("/v1/documents/never-existed", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        foreach (var mode in new[] { "hybrid", "vector", "keyword" })
        {
            Assert.DoesNotContain((await SearchAsync(host, "quokka marsupial", mode)).Results, r => r.DocumentId == document.Id);
        }

        using (var status = await host.Client.GetAsync(new Uri($"/v1/documents/{document.Id}", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        }

        Assert.Equal(0, await host.Services.GetRequiredServiceCount<Core.Ports.ISearchIndex>(i => i.CountAsync(document.Id, Ct)));
        Assert.Equal(0, await host.Services.GetRequiredServiceCount<Core.Ports.IChunkStore>(c => c.CountAsync(document.Id, Ct)));
        Assert.Null(await host.Services.GetRequiredServiceValue<Core.Ports.ISummaryStore, Core.Events.Summary?>(s => s.GetAsync(document.Id, Ct)));
        Assert.Equal(0, StoredBlobs(Path.Combine(host.DataDirectory, "blobs")));

        var reuploaded = await host.AcceptAsync(bytes, "quokka-again.txt");
        Assert.Equal(document.Id, reuploaded.Id);
        Assert.Equal("completed", (await host.WaitForTerminalAsync(reuploaded.Id)).Status);
        Assert.Contains((await SearchAsync(host, "quokka marsupial", "hybrid")).Results, r => r.DocumentId == document.Id);
    }

    /// <summary>Blobs the embedded blob store holds: rows of its small-blob table and files.</summary>
    private static long StoredBlobs(string root)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(root, Embedded.FileBlobStore.SmallBlobFile)};Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM blobs";
        var files = Directory.Exists(Path.Combine(root, "sha256"))
            ? Directory.EnumerateFiles(Path.Combine(root, "sha256"), "*", SearchOption.AllDirectories).Count()
            : 0;
        return (long)count.ExecuteScalar()! + files;
    }

    private static async Task<SearchResponse> SearchAsync(SluiceTestHost host, string query, string mode, string extra = "")
        => (await host.Client.GetFromJsonAsync<SearchResponse>(
            new Uri($"/v1/search?q={Uri.EscapeDataString(query)}&k=10&mode={mode}{extra}", UriKind.Relative), Ct))!;

    private static string[] Page(int number)
        => [.. Enumerable.Range(1, 22).Select(line =>
            $"Section {number}.{line} covers inspection {line} of industrial pumps, seals, bearings and gauges in plant {number}.")];
}
