using System.Net;
using System.Net.Http.Json;
using System.Text;
using Sluice.Server.Api;

namespace Sluice.Cli.Tests;

/// <summary>
/// <c>sluice dlq</c> against a real run: <c>sluice serve</c> summarizing with an LLM (<c>sluice dev fake-llm</c>) that
/// rejects one document, which ends on the summarize stage's dead-letter topic.
/// </summary>
public sealed class DeadLetterCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dlq_ListsShowsAndReplays_TheDocumentTheLlmRejected()
    {
        await using var fake = SluiceProcess.Start("dev", "fake-llm", "--reject-marker", "FORBIDDEN");
        var endpoint = (await fake.WaitForOutputAsync(l => l.StartsWith("endpoint: ", StringComparison.Ordinal), TimeSpan.FromSeconds(30)))["endpoint: ".Length..];
        var data = Path.Combine(Path.GetTempPath(), "sluice-dlq", Guid.NewGuid().ToString("N"));
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        var environment = new Dictionary<string, string>
        {
            ["Sluice__Summarizer"] = "llm",
            ["Sluice__Llm__Endpoint"] = endpoint,
            ["Sluice__Llm__Model"] = "fake-chat",
            ["Sluice__RetryDelays"] = "1s",
        };
        await using var server = await SluiceProcess.StartReadyAsync(url, environment, "serve", "--data-dir", data, "--urls", url.ToString().TrimEnd('/'));
        using var http = new HttpClient { BaseAddress = url };

        var fine = await UploadAsync(http, "Sluice parks what fails. Operators replay it later. Nothing is lost.", "fine.txt");
        var rejected = await UploadAsync(http, "This text is FORBIDDEN for the model. It will be rejected every time. The rest of the pipeline still works.", "rejected.txt");
        Assert.Equal("completed", (await CrashRecoveryTests.WaitForTerminalAsync(http, fine)).Status);
        var parked = await CrashRecoveryTests.WaitForTerminalAsync(http, rejected);
        Assert.Equal("dead_lettered", parked.Status);
        Assert.Equal("summarize", parked.Error?.Stage);

        var deadLetter = await WaitForDeadLetterAsync(http, rejected, "parked");
        await using (var list = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "dlq", "list", "--stage", "summarize", "--server", url.ToString()))
        {
            Assert.True(list.ExitCode == 0, list.StandardError);
            Assert.Contains(deadLetter.Id, list.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("1 dead letter(s)", list.StandardOutput, StringComparison.Ordinal);
        }

        await using (var show = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "dlq", "show", deadLetter.Id, "--server", url.ToString()))
        {
            Assert.True(show.ExitCode == 0, show.StandardError);
            Assert.Contains("\"errorType\": \"permanent\"", show.StandardOutput, StringComparison.Ordinal);
            Assert.Contains(rejected, show.StandardOutput, StringComparison.Ordinal);
        }

        await using (var replay = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "dlq", "replay", "--stage", "summarize", "--server", url.ToString()))
        {
            Assert.True(replay.ExitCode == 0, replay.StandardError);
            Assert.Contains("replayed 1 dead letter(s)", replay.StandardOutput, StringComparison.Ordinal);
        }

        // The model still refuses it: the replay is parked again, as a new dead letter; the first one shows the replay.
        var again = await WaitForDeadLetterAsync(http, rejected, "parked");
        Assert.NotEqual(deadLetter.Id, again.Id);
        var first = await http.GetFromJsonAsync<DeadLetterResponse>(new Uri($"v1/dead-letters/{deadLetter.Id}", UriKind.Relative), Ct);
        Assert.Equal(("replayed", 1), (first!.State, first.Replays));

        await using (var unknown = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "dlq", "replay", "nope", "--server", url.ToString()))
        {
            Assert.Equal(4, unknown.ExitCode);
            Assert.Contains("no dead letter 'nope'", unknown.StandardError, StringComparison.Ordinal);
        }

        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task DlqReplayStage_FollowsTheBulkReplayJob_UntilItIsDone()
    {
        var data = Path.Combine(Path.GetTempPath(), "sluice-dlq", Guid.NewGuid().ToString("N"));
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        var environment = new Dictionary<string, string>
        {
            ["Sluice__RetryDelays"] = "1s",
            ["Sluice__ReplaysPerSecond"] = "40",
        };
        // The API alone: no stage runs the replays, so what is parked stays as it is.
        await using var server = await SluiceProcess.StartReadyAsync(url, environment, "api", "--data-dir", data, "--urls", url.ToString().TrimEnd('/'));
        using var http = new HttpClient { BaseAddress = url };

        // 120 events parked by "embed", written to its dead-letter topic through the same log file the server uses.
        const int Parked = 120;
        await using (var log = new Embedded.SqliteEventLog(Microsoft.Extensions.Options.Options.Create(new Embedded.SqliteEventLogOptions { Path = Path.Combine(data, "log.db") })))
        {
            await using var producer = log.CreateProducer();
            await producer.ProduceAsync(
                [.. Enumerable.Range(0, Parked).Select(i => new Core.Ports.OutgoingRecord(
                    Core.Events.Topics.DeadLetter("embed"), $"doc-{i}", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"),
                    new Dictionary<string, string> { [Core.Events.Headers.ConsumerGroup] = "embed", [Core.Events.Headers.DocumentId] = $"doc-{i}" }))],
                Ct);
        }

        for (var i = 0; i < 300; i++)
        {
            var page = await http.GetFromJsonAsync<DeadLetterPage>(new Uri("v1/dead-letters?stage=embed&limit=500", UriKind.Relative), Ct);
            if (page!.Items.Count == Parked)
            {
                break;
            }

            await Task.Delay(100, Ct);
        }

        // 40 a second: the job runs for about three seconds, and the command follows it to the end.
        await using (var replay = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "dlq", "replay", "--stage", "embed", "--server", url.ToString()))
        {
            Assert.True(replay.ExitCode == 0, replay.StandardError);
            Assert.Contains($"replayed {Parked} dead letter(s), skipped 0", replay.StandardOutput, StringComparison.Ordinal);
        }

        var left = await http.GetFromJsonAsync<DeadLetterPage>(new Uri("v1/dead-letters?stage=embed&state=parked", UriKind.Relative), Ct);
        Assert.Empty(left!.Items);
        await using (var again = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "dlq", "replay", "--all", "--server", url.ToString()))
        {
            Assert.True(again.ExitCode == 0, again.StandardError);
            Assert.Contains("replayed 0 dead letter(s)", again.StandardOutput, StringComparison.Ordinal);
        }

        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<string> UploadAsync(HttpClient http, string text, string name)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new("text/plain");
        using var response = await http.PostAsync(new Uri($"v1/documents?filename={name}", UriKind.Relative), content, Ct);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!.Id;
    }

    private static async Task<DeadLetterResponse> WaitForDeadLetterAsync(HttpClient http, string documentId, string state)
    {
        for (var i = 0; i < 300; i++)
        {
            var page = await http.GetFromJsonAsync<DeadLetterPage>(new Uri($"v1/dead-letters?state={state}", UriKind.Relative), Ct);
            if (page!.Items.FirstOrDefault(d => d.DocumentId == documentId) is { } found)
            {
                return found;
            }

            await Task.Delay(100, Ct);
        }

        throw new TimeoutException($"no {state} dead letter for {documentId}");
    }
}
