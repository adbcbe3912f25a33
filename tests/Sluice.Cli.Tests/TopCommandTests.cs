using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sluice.Cli.Client;
using Sluice.Cli.Commands;
using Spectre.Console.Testing;

namespace Sluice.Cli.Tests;

/// <summary>
/// <c>sluice top</c>: a known snapshot draws each figure in its stage's row; the real program reads a server's
/// <c>/v1/pipeline</c> with the caller's key and prints one snapshot with <c>--once</c> or into a pipe; a live view ends
/// cleanly on Ctrl+C and survives a failed refresh; a server that is down or refuses is one line and a non-zero exit.
/// </summary>
public class TopCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The response of <c>GET /v1/pipeline</c> as the server sends it.</summary>
    private const string PipelineJson = """
        { "at": "2026-12-05T18:00:00Z", "intervalSeconds": 10,
          "stages": [
            { "stage": "extract", "group": "extract", "lag": 0, "oldestAgeSeconds": null, "throughputPerSecond": 1.25,
              "running": 0, "retryWaiting": { "10s": 0, "1m": 0, "10m": 0 }, "deadLetters": 0, "partitions": [] },
            { "stage": "embed", "group": "embed", "lag": 12, "oldestAgeSeconds": 3.2, "throughputPerSecond": 4.5,
              "running": 2, "retryWaiting": { "10s": 0, "1m": 2 }, "deadLetters": 1,
              "partitions": [ { "topic": "chunks.created", "partition": 0, "committed": 10, "end": 22, "lag": 12 } ] },
            { "stage": "summarize", "group": "summarize", "lag": 1530, "oldestAgeSeconds": 245, "throughputPerSecond": 0,
              "running": 7, "retryWaiting": { "10s": 3, "1m": 0, "10m": 5 }, "deadLetters": 0, "partitions": [] } ],
          "documents": { "accepted": 1, "processing": 3, "completed": 100, "failed": 0, "deadLettered": 1 },
          "inProgress": [
            { "id": "0193a5b2c4d5e6f7", "tenant": "default", "fileName": "a.pdf", "state": "processing", "stage": "embed",
              "progress": 0.4, "estimatedCompletionAt": "2026-12-05T18:00:12Z" },
            { "id": "0193a5b2c4d5e6f8", "tenant": "acme", "fileName": "b.docx", "state": "accepted", "stage": null,
              "progress": null, "estimatedCompletionAt": null } ] }
        """;

    private static readonly Uri Server = new("http://sluice.test:5080/");

    [Fact]
    public void Render_PutsEachFigureInItsStagesRow()
    {
        var console = new TestConsole().Width(200);
        console.Write(TopView.Render(Parse(PipelineJson), Server));
        var output = console.Output;

        // Stage | Throughput/s | Running | Lag | Oldest | Retries waiting | Dead letters
        Assert.Equal(["extract", "1.25", "0", "0", "-", "0", "0"], Row(output, "extract"));
        Assert.Equal(["embed", "4.5", "2", "12", "3.2s", "2 (1m: 2)", "1"], Row(output, "embed"));
        Assert.Equal(["summarize", "0", "7", "1,530", "4m 05s", "8 (10s: 3, 10m: 5)", "0"], Row(output, "summarize"));

        Assert.Contains("Documents: accepted 1  processing 3  completed 100  failed 0  dead-lettered 1", output, StringComparison.Ordinal);

        // Document | Tenant | State | Stage | Progress | Estimate (relative to the snapshot's own time)
        Assert.Equal(["a.pdf (0193a5b2c4d5e6f7)", "default", "processing", "embed", "40%", "in 12s"], Row(output, "a.pdf"));
        Assert.Equal(["b.docx (0193a5b2c4d5e6f8)", "acme", "accepted", "-", "-", "-"], Row(output, "b.docx"));
        Assert.Contains("2026-12-05 18:00:00 UTC, rates over 10s", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_RedrawsEachRefresh_ShowsAFailedRefresh_AndCtrlCExitsCleanly()
    {
        var console = new TestConsole().Width(200);
        console.Profile.Capabilities.Interactive = true;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var calls = 0;
        Task<PipelineSnapshot> Fetch(CancellationToken token)
        {
            token.ThrowIfCancellationRequested();
            calls++;
            var snapshot = Parse(PipelineJson);
            switch (calls)
            {
                case 2:
                    throw new CliException("cannot reach the Sluice server at http://sluice.test:5080/ (Connection refused)", 3);
                case 3:
                    stop.Cancel(); // Ctrl+C while the third snapshot is drawn
                    return Task.FromResult(snapshot with { Stages = [snapshot.Stages[1] with { Lag = 99_999 }] });
                default:
                    return Task.FromResult(snapshot);
            }
        }

        var exit = await TopCommand.RunAsync(console, Server, Fetch, TimeSpan.Zero, once: false, stop.Token);

        Assert.Equal(0, exit);
        Assert.Equal(3, calls);
        Assert.Contains("last refresh failed: cannot reach the Sluice server", console.Output, StringComparison.Ordinal);
        Assert.Contains("99,999", console.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2", 2_000)]
    [InlineData("2s", 2_000)]
    [InlineData("500ms", 500)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1m", 60_000)]
    public void Interval_IsReadWithItsUnit(string value, int milliseconds)
        => Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), TopCommand.ParseInterval(value));

    [Theory]
    [InlineData("fast")]
    [InlineData("10ms")]
    [InlineData("-1s")]
    public void Interval_ThatCannotBeUsed_IsAUsageError(string value)
        => Assert.Equal(2, Assert.Throws<CliException>(() => TopCommand.ParseInterval(value)).ExitCode);

    [Fact]
    public async Task Once_PrintsTheServersSnapshot_SendingTheApiKey()
    {
        await using var server = await FakeServer.StartAsync(PipelineJson);
        await using var top = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "top", "--once", "--server", server.Url.ToString(), "--api-key", "sk_test_admin");

        Assert.True(top.ExitCode == 0, top.StandardError);
        Assert.Equal(["embed", "4.5", "2", "12", "3.2s", "2 (1m: 2)", "1"], Row(top.StandardOutput, "embed"));
        Assert.Equal(["a.pdf (0193a5b2c4d5e6f7)", "default", "processing", "embed", "40%", "in 12s"], Row(top.StandardOutput, "a.pdf"));
        Assert.Equal("Bearer sk_test_admin", Assert.Single(server.Authorizations));
    }

    [Fact]
    public async Task IntoAPipe_WithoutOnce_PrintsOneSnapshotAndExits()
    {
        await using var server = await FakeServer.StartAsync(PipelineJson);
        await using var top = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "top", "--server", server.Url.ToString());

        Assert.True(top.ExitCode == 0, top.StandardError);
        Assert.Equal(["summarize", "0", "7", "1,530", "4m 05s", "8 (10s: 3, 10m: 5)", "0"], Row(top.StandardOutput, "summarize"));
        Assert.Single(server.Authorizations);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "--api-key")]
    [InlineData(HttpStatusCode.Forbidden, "admin's key")]
    [InlineData(HttpStatusCode.NotFound, "no pipeline view")]
    public async Task ARefusal_IsOneActionableLine_AndANonZeroExit(HttpStatusCode status, string advice)
    {
        await using var server = await FakeServer.StartAsync(PipelineJson, status);
        await using var top = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "top", "--once", "--server", server.Url.ToString());

        Assert.Equal(3, top.ExitCode);
        var line = Assert.Single(top.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sluice: ", line, StringComparison.Ordinal);
        Assert.Contains(advice, line, StringComparison.Ordinal);
        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), line, StringComparison.Ordinal);
        Assert.Empty(top.StandardOutput.Trim());
    }

    [Fact]
    public async Task AnUnreachableServer_IsOneLine_AndANonZeroExit()
    {
        var url = $"http://127.0.0.1:{SluiceProcess.FreePort()}/";
        await using var top = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "top", "--once", "--server", url);

        Assert.Equal(3, top.ExitCode);
        var line = Assert.Single(top.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"sluice: cannot reach the Sluice server at {url}", line, StringComparison.Ordinal);
        Assert.Empty(top.StandardOutput.Trim());
    }

    private static PipelineSnapshot Parse(string json) => JsonSerializer.Deserialize<PipelineSnapshot>(json, SluiceClient.Json)!;

    /// <summary>The cells of the table row whose first cell starts with <paramref name="first"/>.</summary>
    private static string[] Row(string output, string first)
    {
        var rows = output.Split('\n')
            .Select(l => l.Split('│', StringSplitOptions.TrimEntries))
            .Where(cells => cells.Length > 2 && cells[1].StartsWith(first, StringComparison.Ordinal))
            .ToList();
        Assert.True(rows.Count == 1, $"expected one row for '{first}' in:\n{output}");
        return rows[0][1..^1];
    }

    /// <summary>A Kestrel server on loopback that answers <c>GET /v1/pipeline</c> with a fixed body or status.</summary>
    private sealed class FakeServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FakeServer(WebApplication app) => _app = app;

        public Uri Url => new(_app.Urls.First() + "/");

        /// <summary>The Authorization header of each request (empty when none was sent).</summary>
        public List<string> Authorizations { get; } = [];

        public static async Task<FakeServer> StartAsync(string json, HttpStatusCode status = HttpStatusCode.OK)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new FakeServer(app);
            app.MapGet("/v1/pipeline", (HttpContext context) =>
            {
                lock (server.Authorizations)
                {
                    server.Authorizations.Add(context.Request.Headers.Authorization.ToString());
                }

                return status == HttpStatusCode.OK
                    ? Results.Text(json, "application/json")
                    : Results.Problem(statusCode: (int)status, title: status.ToString());
            });
            await app.StartAsync(Ct);
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
