using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using Sluice.Cli.Client;
using Sluice.Cli.Commands;
using Sluice.Server.Dev;
using Sluice.Server.Api;

namespace Sluice.Cli.Tests;

/// <summary>How the CLI shows a stage that waits for its next attempt.</summary>
public partial class RetryStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ALine_SaysWhenWhichAttemptAndWhy()
    {
        var stage = new StageResponse("retrying", 1, Now.AddSeconds(-3), null, Now.AddSeconds(190), "the LLM failed: The LLM endpoint answered 429: Too Many Requests", "transient", null);

        Assert.Equal(
            "summarize: retrying at 12:03:10 UTC, in 3m 10s (attempt 2; the LLM failed: The LLM endpoint answered 429: Too Many Requests)",
            RetryText.Line("summarize", stage, Now));
    }

    [Fact]
    public void ALine_GivesTheDateOfAnotherDay_SaysWhenItIsDue_AndKeepsALongErrorShort()
    {
        var tomorrow = new StageResponse("retrying", 3, Now, null, Now.AddHours(25).AddMinutes(5), new string('x', 400) + "\nsecond line", "transient", null);
        var due = new StageResponse("retrying", 1, Now, null, Now.AddSeconds(-1), null, "transient", null);

        var line = RetryText.Line("embed", tomorrow, Now);
        Assert.StartsWith("embed: retrying at 2026-03-02 13:05:00 UTC, in 25h 05m (attempt 4; xxx", line, StringComparison.Ordinal);
        Assert.EndsWith("x…)", line, StringComparison.Ordinal);
        Assert.DoesNotContain("second line", line, StringComparison.Ordinal);
        Assert.Equal("embed: retrying at 11:59:59 UTC, due now (attempt 2)", RetryText.Line("embed", due, Now));
    }

    [Fact]
    public async Task Status_OfADocumentWhoseSummaryWaitsForARetry_SaysSo()
    {
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(new FakeLlmOptions { Rate429 = 1.0, RetryAfterSeconds = 1 }, TestContext.Current.CancellationToken);
        var dataDirectory = Path.Combine(Path.GetTempPath(), "sluice-cli", Guid.NewGuid().ToString("N"));
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        var environment = new Dictionary<string, string>
        {
            ["Sluice__Summarizer"] = "llm",
            ["Sluice__Llm__Endpoint"] = endpoint.ToString(),
            ["Sluice__Llm__Model"] = "fake-chat",
            ["Sluice__RetryDelays"] = "1m",
        };

        await using (await SluiceProcess.StartReadyAsync(url, environment, "serve", "--data-dir", dataDirectory, "--urls", url.ToString().TrimEnd('/')))
        {
            using var http = new HttpClient { BaseAddress = url };
            using var body = new ByteArrayContent(Encoding.UTF8.GetBytes("The model answers 429 for now. The summary waits a minute. The CLI tells the user so."));
            body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/plain");
            using var upload = await http.PostAsync(new Uri("v1/documents?filename=limited.txt", UriKind.Relative), body, TestContext.Current.CancellationToken);
            var id = (await upload.Content.ReadFromJsonAsync<DocumentResponse>(SluiceClient.Json, TestContext.Current.CancellationToken))!.Id;
            for (var i = 0; i < 300; i++)
            {
                var document = await http.GetFromJsonAsync<DocumentResponse>(new Uri($"v1/documents/{id}", UriKind.Relative), SluiceClient.Json, TestContext.Current.CancellationToken);
                if (document!.Stages["summarize"].Status == "retrying")
                {
                    break;
                }

                await Task.Delay(100, TestContext.Current.CancellationToken);
            }

            await using var status = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "status", id, "--server", url.ToString());

            Assert.Equal(0, status.ExitCode); // still processing: not a failure
            var output = Whitespace().Replace(status.StandardOutput, " ");
            Assert.True(
                Regex.IsMatch(output, @"summarize: retrying at \d\d:\d\d:\d\d UTC, in (\d+s|1m 00s) \(attempt 2; the summarizer failed: .*429"),
                $"sluice status should say when summarize retries, which attempt and why; it printed:\n{status.StandardOutput}");
            Assert.Contains("status: processing", output, StringComparison.Ordinal);
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
