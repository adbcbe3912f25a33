using System.Net;

namespace Sluice.Cli.Tests;

/// <summary><c>sluice worker --urls</c>: a worker process that serves its metrics and health checks, and nothing else.</summary>
public class WorkerListenerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Worker_WithUrls_ServesMetricsHealthzAndReadyz_AndNoApi()
    {
        var data = Path.Combine(Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N"));
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        await using var worker = await SluiceProcess.StartReadyAsync(
            url, null, "worker", "--stage", "extract", "--data-dir", data, "--urls", url.ToString().TrimEnd('/'));
        using var http = new HttpClient { BaseAddress = url };

        using (var live = await http.GetAsync(new Uri("/healthz", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        using (var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        }

        using (var api = await http.GetAsync(new Uri("/v1/documents", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        }

        Assert.Contains($"metrics and health on {url.ToString().TrimEnd('/')}", worker.StandardOutput, StringComparison.Ordinal);
    }
}
