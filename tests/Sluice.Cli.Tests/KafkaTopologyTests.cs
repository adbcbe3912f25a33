using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sluice.Server.Api;

namespace Sluice.Cli.Tests;

/// <summary>
/// The scaled-out topology as a user runs it on one machine: <c>sluice dev kafka</c>, <c>sluice api</c> and
/// <c>sluice worker</c> processes, all real child processes on the real model, talking through the mock cluster.
/// </summary>
public sealed class KafkaTopologyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Short session timeout, so a killed member's partitions move within seconds; assignment logs on.</summary>
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["Sluice__Kafka__SessionTimeout"] = "00:00:06",
        ["Logging__LogLevel__Sluice.Core.Runtime.StageRunner"] = "Information",
    };

    [Fact]
    public async Task ApiAndWorkers_IngestEveryDocument_ASecondEmbedderTakesPartitions_AndKillingTheFirstLosesNothing()
    {
        var data = Path.Combine(Path.GetTempPath(), "sluice-topology", Guid.NewGuid().ToString("N"));
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        using var http = new HttpClient { BaseAddress = url };

        await using var cluster = SluiceProcess.Start("dev", "kafka", "--topics", "--partitions", "4");
        var bootstrap = (await cluster.WaitForOutputAsync(l => l.StartsWith("bootstrap: ", StringComparison.Ordinal), TimeSpan.FromSeconds(30)))["bootstrap: ".Length..];
        string[] Worker(string stages) => ["worker", "--stage", stages, "--bootstrap", bootstrap, "--data-dir", data];

        await using var api = await SluiceProcess.StartReadyAsync(url, Environment, "api", "--bootstrap", bootstrap, "--data-dir", data, "--urls", url.ToString().TrimEnd('/'));
        // One worker process per stage, as the compose file runs them.
        await using var extract = SluiceProcess.Start(Environment, Worker("extract"));
        await using var chunk = SluiceProcess.Start(Environment, Worker("chunk"));
        await using var index = SluiceProcess.Start(Environment, Worker("index"));
        await using var summarize = SluiceProcess.Start(Environment, Worker("summarize"));
        await using var embed1 = SluiceProcess.Start(Environment, Worker("embed"));
        await embed1.WaitForOutputAsync(IsAssignment, TimeSpan.FromSeconds(60));

        var ids = await Task.WhenAll(Enumerable.Range(0, 120).Select(async i =>
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(CrashRecoveryTests.Document(i)));
            content.Headers.ContentType = new("text/plain");
            using var response = await http.PostAsync(new Uri($"v1/documents?filename=doc-{i}.txt", UriKind.Relative), content, Ct);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!.Id;
        }));

        // A second embedder joins: the group rebalances and the newcomer gets partitions of chunks.created.
        await using var embed2 = SluiceProcess.Start(Environment, Worker("embed"));

        // The rebalance completes once every member of the group has polled again; on a loaded run, with the first
        // embedder and every other process sharing two cores, that once took more than a minute (as in NoSharedDiskTests).
        await embed2.WaitForOutputAsync(IsAssignment, TimeSpan.FromSeconds(150));
        await embed1.WaitForOutputAsync(l => l.Contains("gives up", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        var page = (await http.GetFromJsonAsync<DocumentPage>(new Uri("v1/documents?limit=200", UriKind.Relative), Ct))!;
        var inFlightAtKill = page.Items.Count(d => d.Status is not ("completed" or "failed" or "dead_lettered"));
        await embed1.KillAsync();

        foreach (var id in ids)
        {
            var document = await CrashRecoveryTests.WaitForTerminalAsync(http, id);
            Assert.Equal("completed", document.Status);
            var chunks = (await http.GetFromJsonAsync<ChunkPage>(new Uri($"v1/documents/{id}/chunks?limit=500", UriKind.Relative), Ct))!;
            Assert.Equal(document.Chunks, chunks.Total);
            Assert.Equal(Enumerable.Range(0, chunks.Items.Count), chunks.Items.Select(c => c.Index));
        }

        Assert.True(inFlightAtKill > 0, "the embedder should have been killed while documents were still in flight");
        Assert.True(embed2.CountOutput(IsAssignment) >= 2, "the surviving embedder should have taken over the killed one's partitions:\n" + embed2.StandardOutput);
        TryDelete(data);
    }

    [Fact]
    public async Task Kcat_ListsSluicesTopics_AndReadsSubmittedEventsAsJson()
    {
        if (!CanRun("kcat"))
        {
            Assert.Skip("kcat is not installed (apt-get install kcat)");
        }

        var data = Path.Combine(Path.GetTempPath(), "sluice-kcat", Guid.NewGuid().ToString("N"));
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        using var http = new HttpClient { BaseAddress = url };
        await using var cluster = SluiceProcess.Start("dev", "kafka", "--topics");
        var bootstrap = (await cluster.WaitForOutputAsync(l => l.StartsWith("bootstrap: ", StringComparison.Ordinal), TimeSpan.FromSeconds(30)))["bootstrap: ".Length..];
        await using var api = await SluiceProcess.StartReadyAsync(url, null, "api", "--bootstrap", bootstrap, "--data-dir", data, "--urls", url.ToString().TrimEnd('/'));

        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("Read by a Kafka client we did not write."));
        content.Headers.ContentType = new("text/plain");
        using var response = await http.PostAsync(new Uri("v1/documents?filename=kcat.txt", UriKind.Relative), content, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!.Id;

        var metadata = await RunAsync("kcat", "-b", bootstrap, "-L");
        foreach (var topic in new[] { "documents.submitted", "documents.extracted", "chunks.created", "chunks.embedded", "documents.status" })
        {
            Assert.Contains($"topic \"{topic}\"", metadata, StringComparison.Ordinal);
        }

        var events = await RunAsync("kcat", "-b", bootstrap, "-C", "-t", "documents.submitted", "-o", "beginning", "-c", "1", "-e", "-f", "%k\t%s\n");
        var (key, value) = (events.Split('\t')[0], events.Split('\t', 2)[1]);
        Assert.Equal(id, key);
        using var json = JsonDocument.Parse(value);
        Assert.Equal(id, json.RootElement.GetProperty("documentId").GetString());
        Assert.Equal("kcat.txt", json.RootElement.GetProperty("data").GetProperty("fileName").GetString());
        TryDelete(data);
    }

    [Fact]
    public async Task TopicsCreate_OnAClusterThatHasThem_LeavesThemAndListsSluicesTopicSet()
    {
        await using var cluster = SluiceProcess.Start("dev", "kafka", "--topics", "--partitions", "3");
        var bootstrap = (await cluster.WaitForOutputAsync(l => l.StartsWith("bootstrap: ", StringComparison.Ordinal), TimeSpan.FromSeconds(30)))["bootstrap: ".Length..];

        await using var run = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "topics", "create", "--bootstrap", bootstrap, "--partitions", "3", "--retention", "2d");

        Assert.True(run.ExitCode == 0, run.StandardError);
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(8 + (6 * 4), lines.Length); // event topics, and per stage three retry tiers and a dead-letter topic
        Assert.Contains("webhooks.deliveries: 3 partitions, retention 2d", lines);
        Assert.Contains("webhooks.dlq: 3 partitions, retention 2d", lines);
        Assert.Contains("documents.submitted: 3 partitions, retention 2d", lines);
        Assert.Contains("embed.retry.10s: 3 partitions, retention 2d", lines);
        Assert.Contains("summarize.dlq: 3 partitions, retention 2d", lines);
        Assert.Contains("documents.status: 3 partitions, retention 2d, compacted", lines);
    }

    private static bool IsAssignment(string line) => line.Contains("was assigned", StringComparison.Ordinal) && line.Contains("chunks.created", StringComparison.Ordinal);

    private static bool CanRun(string program)
        => (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, program)));

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(cts.Token);
        var error = process.StandardError.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"{program} exited with {process.ExitCode}: {await error}");
        return await output;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
