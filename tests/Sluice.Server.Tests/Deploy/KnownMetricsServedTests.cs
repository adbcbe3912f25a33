using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Telemetry;

namespace Sluice.Server.Tests.Deploy;

/// <summary>
/// The names the dashboard and the alerts read (<see cref="KnownMetrics"/>) are the names a running Sluice serves: the
/// file tests compare the deployment files with that list, and this one compares the list with a real scrape, so a
/// renamed instrument cannot leave the dashboard reading nothing.
/// </summary>
public class KnownMetricsServedTests
{
    /// <summary>
    /// Instruments that appear only once their event has happened, which a plain run on the test host does not make:
    /// no LLM is configured (tokens, its circuit), no embedding model runs (the test host's embedder is a hash), nothing
    /// waits for a provider slot, and no partition is paused.
    /// </summary>
    private static readonly HashSet<string> OnlyWhenUsed = new(StringComparer.Ordinal)
    {
        "sluice_llm_tokens_total",
        "sluice_provider_rate_limited_waits_total",
        "sluice_provider_circuit_open",
        "sluice_embedder_texts_total",
        "sluice_embedder_batches_total",
        "sluice_embedder_batch_duration_seconds",
        "sluice_stage_paused_partitions",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryKnownName_IsServed_AfterAPlainRun()
    {
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?> { ["Sluice:Telemetry:LagInterval"] = "00:00:00.2" });
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(6, "metrics")), "served.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(document.Id)).Status);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await host.Services.GetRequiredService<PipelineSampler>().WaitForAsync(s => s.Counts is not null, timeout.Token);

        var expected = KnownMetrics.Names.Where(n => !OnlyWhenUsed.Contains(n)).ToList();
        var missing = expected;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (missing.Count > 0 && DateTime.UtcNow < deadline)
        {
            // The exporter serves a cached page for a moment: the first one may predate the sample.
            using var response = await host.Client.GetAsync(new Uri("/metrics", UriKind.Relative), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var types = (await response.Content.ReadAsStringAsync(Ct)).Split('\n')
                .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
                .Select(l => l.Split(' ')[2])
                .ToHashSet(StringComparer.Ordinal);
            missing = [.. expected.Where(n => !types.Contains(n))];
            if (missing.Count > 0)
            {
                await Task.Delay(200, Ct);
            }
        }

        Assert.True(missing.Count == 0, $"/metrics serves no {string.Join(", ", missing)}: rename it in KnownMetrics, deploy/grafana and deploy/prometheus, or bring the instrument back");
    }
}
