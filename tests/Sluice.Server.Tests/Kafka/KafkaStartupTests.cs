using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Kafka;
using Sluice.Server.Hosting;
using Sluice.Server.Tests.Readiness;

namespace Sluice.Server.Tests.Kafka;

/// <summary>A Sluice started while its Kafka cluster is down: it listens at once and catches up when the cluster comes up.</summary>
public sealed class KafkaStartupTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartedWhileTheClusterIsDown_ItAnswersAtOnce_TurnsReadyWhenTheClusterIsUp_AndProcessesUploads()
    {
        var cluster = KafkaMockCluster.Start(brokers: 1);
        foreach (var spec in TopicProvisioner.Specs(partitions: 3))
        {
            cluster.CreateTopic(spec.Name, spec.Partitions);
        }

        cluster.SetBrokerDown(1);
        var settings = new Dictionary<string, string?>
        {
            ["Sluice:Transport"] = "kafka",
            ["Sluice:Partitions"] = "3",
            ["Sluice:MinFreeDiskBytes"] = "0",
            ["Sluice:Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["Sluice:Kafka:SessionTimeout"] = "00:00:06",
            ["Sluice:Kafka:reconnect.backoff.max.ms"] = "500", // reconnect soon once the broker is back
        };
        await using var host = await SluiceTestHost.StartAsync(
            settings, services => services.AddSingleton<IEmbedder, HashingEmbedder>(), cluster, untilProvisioned: false)
            .WaitAsync(TimeSpan.FromSeconds(30), Ct);

        using (var health = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var down = await ReadinessReport.GetAsync(host.Client);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Code);
        Assert.Equal("unhealthy", down.Checks["topics"].Status);
        Assert.Contains("not provisioned yet", down.Checks["topics"].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(cluster.BootstrapServers, down.Body, StringComparison.Ordinal);
        using (var refused = await host.UploadAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(5)), "early.txt", "text/plain"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
        }

        cluster.SetBrokerUp(1);
        await host.Services.GetRequiredService<TopicProvisioner>().Provisioned.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        var up = await ReadinessReport.GetAsync(host.Client);
        Assert.True(up.Code == HttpStatusCode.OK, up.Body);

        var accepted = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(20)), "later.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(accepted.Id, TimeSpan.FromSeconds(90))).Status);
    }
}
