using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Sluice.Server.Api;
using Sluice.Testing;

[assembly: AssemblyFixture(typeof(S3Service))]

namespace Sluice.Cli.Tests;

/// <summary>
/// The proof that no Sluice process needs another's disk: the dev Kafka cluster, PostgreSQL with pgvector, Ceph's S3
/// gateway, <c>sluice api</c> and one <c>sluice worker</c> per stage, each process with a data directory of its own,
/// empty at the start. Real documents of every format reach <c>completed</c> and are found through the API's search; a
/// second embedder joins and the first is killed with SIGKILL; nothing is lost or duplicated, and afterwards no process's
/// directory holds a store or a blob.
/// </summary>
public sealed class NoSharedDiskTests(PostgresServer postgres, S3Service s3)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string Samples = FindSamples();

    [Fact]
    public async Task ApiAndWorkers_WithOwnEmptyDirectories_IngestEveryFormat_SurviveAKilledEmbedder_AndShareNoDisk()
    {
        postgres.SkipIfUnavailable();
        s3.Require();
        var root = Directory.CreateTempSubdirectory("sluice-no-shared-disk-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["Sluice__Stores"] = "postgres",
            ["Sluice__Postgres__ConnectionString"] = await postgres.CreateDatabaseAsync(),
            ["Sluice__Blobs"] = "s3",
            ["Sluice__S3__ServiceUrl"] = s3.ServiceUrl,
            ["Sluice__S3__Bucket"] = s3.Bucket,
            ["Sluice__S3__Prefix"] = $"no-shared-disk-{Guid.NewGuid():N}/",
            ["Sluice__S3__Region"] = s3.Region,
            ["Sluice__S3__AccessKey"] = s3.AccessKey,
            ["Sluice__S3__SecretKey"] = s3.SecretKey,
            ["Sluice__Kafka__SessionTimeout"] = "00:00:06",
            ["Logging__LogLevel__Sluice.Core.Runtime.StageRunner"] = "Information",
        };
        var directories = new List<string>();
        string OwnDirectory(string name)
        {
            var directory = Path.Combine(root, name);
            Directory.CreateDirectory(directory);
            directories.Add(directory);
            return directory;
        }

        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        using var http = new HttpClient { BaseAddress = url };
        await using var cluster = SluiceProcess.Start("dev", "kafka", "--topics", "--partitions", "4");
        var bootstrap = (await cluster.WaitForOutputAsync(l => l.StartsWith("bootstrap: ", StringComparison.Ordinal), TimeSpan.FromSeconds(30)))["bootstrap: ".Length..];
        string[] Worker(string stage, string name) => ["worker", "--stage", stage, "--bootstrap", bootstrap, "--data-dir", OwnDirectory(name)];

        await using var api = await SluiceProcess.StartReadyAsync(
            url, environment, "api", "--bootstrap", bootstrap, "--data-dir", OwnDirectory("api"), "--urls", url.ToString().TrimEnd('/'));
        await using var extract = SluiceProcess.Start(environment, Worker("extract", "extract"));
        await using var chunk = SluiceProcess.Start(environment, Worker("chunk", "chunk"));
        await using var index = SluiceProcess.Start(environment, Worker("index", "index"));
        await using var summarize = SluiceProcess.Start(environment, Worker("summarize", "summarize"));
        await using var embed1 = SluiceProcess.Start(environment, Worker("embed", "embed-1"));
        await embed1.WaitForOutputAsync(IsAssignment, TimeSpan.FromSeconds(60));

        // Every format Sluice reads, from the samples, and enough generated documents to keep the embedders busy.
        var ids = new List<string>();
        var samples = new Dictionary<string, string>();
        foreach (var file in Directory.GetFiles(Samples))
        {
            samples[Path.GetFileName(file)] = await UploadAsync(http, Path.GetFileName(file), await File.ReadAllBytesAsync(file, Ct));
        }

        ids.AddRange(samples.Values);

        ids.AddRange(await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            UploadAsync(http, $"generated-{i}.txt", Encoding.UTF8.GetBytes(Generated(i))))));

        // A second embedder joins (partitions move to it), then the first dies with work in flight.
        await using var embed2 = SluiceProcess.Start(environment, Worker("embed", "embed-2"));
        // The group rebalances only once the busy first embedder polls again: on two loaded cores that took over a minute once.
        await embed2.WaitForOutputAsync(IsAssignment, TimeSpan.FromSeconds(150));
        await embed1.KillAsync();

        foreach (var id in ids)
        {
            var document = await CrashRecoveryTests.WaitForTerminalAsync(http, id);
            Assert.True(document.Status == "completed", $"{document.Filename} ended {document.Status}: {document.Error}");
            var chunks = (await http.GetFromJsonAsync<ChunkPage>(new Uri($"v1/documents/{id}/chunks?limit=500", UriKind.Relative), Ct))!;
            Assert.Equal(document.Chunks, chunks.Total);
            Assert.Equal(Enumerable.Range(0, chunks.Items.Count), chunks.Items.Select(c => c.Index));

            // The search index holds each chunk once: a search limited to the document finds no chunk twice.
            var found = await SearchAsync(http, $"mode=keyword&k=1000&documentId={id}&q={Uri.EscapeDataString(chunks.Items[0].Text.Split(' ')[0])}");
            Assert.Equal(found.Results.Count, found.Results.Select(r => r.ChunkId).Distinct().Count());
        }

        // Found through the API, in every mode, from the index in PostgreSQL: a passage of the PDF by meaning and by
        // both, a word only one generated document has by keyword.
        var passage = (await http.GetFromJsonAsync<ChunkPage>(new Uri($"v1/documents/{samples["sluice-overview.pdf"]}/chunks?limit=1", UriKind.Relative), Ct))!
            .Items[0].Text;
        passage = string.Join(' ', passage.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(40));
        foreach (var mode in new[] { "vector", "hybrid" })
        {
            var hits = await SearchAsync(http, $"mode={mode}&k=3&q={Uri.EscapeDataString(passage)}");
            Assert.Equal("sluice-overview.pdf", hits.Results[0].Filename);
        }

        var keyword = await SearchAsync(http, $"mode=keyword&k=3&q={Marker(17)}");
        Assert.Equal("generated-17.txt", Assert.Single(keyword.Results).Filename);

        // No process kept a store or a blob on its own disk: what each directory holds is scratch.
        foreach (var directory in directories)
        {
            var kept = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(directory, f))
                .Where(f => !IsScratch(f))
                .ToList();
            Assert.True(kept.Count == 0, $"{Path.GetFileName(directory)} kept {string.Join(", ", kept)}");
        }

        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Temporary files are a process's own scratch; everything else (the attempt journal too) lives in PostgreSQL or S3.</summary>
    private static bool IsScratch(string relativePath) => relativePath.StartsWith("tmp", StringComparison.Ordinal);

    private static string Generated(int i)
        => $"The word {Marker(i)} appears in this document only. "
           + string.Join(' ', Enumerable.Range(0, 30).Select(s => $"Sentence {s} of generated document {i} is about harbours, tides and lamps."));

    /// <summary>A made-up word of its own for each generated document (letters only, so every tokenizer keeps it whole).</summary>
    private static string Marker(int i) => "quorv" + (char)('a' + (i / 26)) + (char)('a' + (i % 26));

    private static async Task<string> UploadAsync(HttpClient http, string name, byte[] bytes)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.PostAsync(new Uri($"v1/documents?filename={Uri.EscapeDataString(name)}", UriKind.Relative), content, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{name}: {response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!.Id;
    }

    private static async Task<SearchResponse> SearchAsync(HttpClient http, string query)
        => (await http.GetFromJsonAsync<SearchResponse>(new Uri($"v1/search?{query}", UriKind.Relative), Ct))!;

    private static bool IsAssignment(string line) => line.Contains("was assigned", StringComparison.Ordinal) && line.Contains("chunks.created", StringComparison.Ordinal);

    private static string FindSamples()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var samples = Path.Combine(directory.FullName, "samples");
            if (File.Exists(Path.Combine(samples, "sluice-overview.pdf")))
            {
                return samples;
            }
        }

        throw new DirectoryNotFoundException("samples/ was not found above the test's directory");
    }
}
