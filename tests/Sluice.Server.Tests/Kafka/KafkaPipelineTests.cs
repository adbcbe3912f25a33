using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Kafka;
using Sluice.Server.Hosting;

namespace Sluice.Server.Tests.Kafka;

/// <summary>
/// The whole pipeline (API and every stage) on Kafka: librdkafka's mock cluster, the real Confluent.Kafka client,
/// faults injected in the cluster. The model is the hashing stand-in: these tests are about delivery, not meaning.
/// Each test has its own cluster, since injected errors hit whoever sends the next request.
/// </summary>
public sealed class KafkaPipelineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Documents_OfEveryFormat_CompleteEveryStage_OnKafka()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        await using var host = await StartAsync(cluster);

        var accepted = new List<string>
        {
            (await host.AcceptAsync(TestDocuments.Pdf(["Kafka absorbs bursts of uploads."], ["Each stage pulls at its own pace."]), "a.pdf")).Id,
            (await host.AcceptAsync(TestDocuments.Docx("Consumer groups split partitions.", "Offsets are committed after outputs."), "b.docx")).Id,
            (await host.AcceptAsync(Encoding.UTF8.GetBytes("A plain text document about dead letters and retries."), "c.txt")).Id,
        };

        foreach (var id in accepted)
        {
            var done = await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(90));
            Assert.Equal("completed", done.Status);
            await AssertIndexedOnceAsync(host, id);
        }
    }

    [Fact]
    public async Task ABrokerGoesDownAndComesBack_DuringA1000DocumentRun_NothingIsLost_AndNoChunkIsDuplicated()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        await using var host = await StartAsync(cluster);

        var ids = new ConcurrentBag<string>();
        var next = -1;
        var outage = Task.Run(async () =>
        {
            while (Volatile.Read(ref next) < 300)
            {
                await Task.Delay(20, Ct);
            }

            cluster.SetBrokerDown(2);
            await Task.Delay(TimeSpan.FromSeconds(4), Ct);
            cluster.SetBrokerUp(2);
        }, Ct);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < 1000)
            {
                var text = $"Document {n}. It tells of partition {n % 7} and offset {n * 13}. Nothing here repeats across documents {n}.";
                ids.Add(await UploadUntilAcceptedAsync(host, Encoding.UTF8.GetBytes(text), $"doc-{n}.txt"));
            }
        }, Ct)));
        await outage;

        Assert.Equal(1000, ids.Distinct().Count());
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(240);
        var pending = ids.ToHashSet();
        while (pending.Count > 0 && DateTime.UtcNow < deadline)
        {
            foreach (var id in pending.ToList())
            {
                if ((await host.GetAsync(id)).Status is "completed" or "failed" or "dead_lettered")
                {
                    pending.Remove(id);
                }
            }

            await Task.Delay(200, Ct);
        }

        Assert.True(pending.Count == 0, await DescribeStuckAsync(host, pending));
        foreach (var id in ids)
        {
            Assert.Equal("completed", (await host.GetAsync(id)).Status);
            await AssertIndexedOnceAsync(host, id);
        }
    }

    /// <summary>Where stuck documents are: their status, and their events on each topic, read back by a group of its own.</summary>
    private static async Task<string> DescribeStuckAsync(SluiceTestHost host, HashSet<string> stuck)
    {
        if (stuck.Count == 0)
        {
            return string.Empty;
        }

        var log = host.Services.GetRequiredService<IEventLog>();
        await using var reader = log.CreateConsumer(new ConsumerSettings($"diagnostics-{Guid.NewGuid():N}", [.. Core.Events.Topics.All]));
        var events = new List<ConsumedRecord>();
        for (var quiet = 0; quiet < 10;)
        {
            var batch = await reader.PollAsync(1000, TimeSpan.FromMilliseconds(500), Ct);
            events.AddRange(batch.Where(r => stuck.Contains(r.Key)));
            quiet = batch.Count == 0 ? quiet + 1 : 0;
        }

        var lines = new List<string> { $"{stuck.Count} document(s) never reached a terminal state:" };
        foreach (var id in stuck.Take(5))
        {
            var status = await host.GetAsync(id);
            var topics = events.Where(e => e.Key == id).GroupBy(e => e.Topic).Select(g => $"{g.Key}@{string.Join('/', g.Select(e => $"{e.Partition}:{e.Offset}"))}");
            lines.Add($"{id}: {status.Status}, stages {string.Join(", ", status.Stages.Select(s => $"{s.Key}={s.Value.Status}"))}; events {string.Join("; ", topics)}");
        }

        return string.Join(Environment.NewLine, lines);
    }

    [Fact]
    public async Task KafkaUnreachable_AtIngestion_TheApiAnswers503WithRetryAfter_AndAcceptsTheSameUploadOnceItIsBack()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        await using var host = await StartAsync(cluster, new Dictionary<string, string?> { ["Sluice:Kafka:DeliveryTimeout"] = "00:00:03" });
        var before = await host.AcceptAsync(Encoding.UTF8.GetBytes("Accepted while the cluster is up."), "before.txt");

        for (var broker = 1; broker <= cluster.Brokers; broker++)
        {
            cluster.SetBrokerDown(broker);
        }

        var content = Encoding.UTF8.GetBytes("Uploaded while every broker is down.");
        using (var refused = await host.UploadAsync(content, "during.txt", "text/plain"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(refused.Headers.RetryAfter);
            var problem = await refused.Content.ReadAsStringAsync(Ct);
            Assert.Contains("Retry the same upload", problem, StringComparison.Ordinal);
        }

        for (var broker = 1; broker <= cluster.Brokers; broker++)
        {
            cluster.SetBrokerUp(broker);
        }

        var id = await UploadUntilAcceptedAsync(host, content, "during.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(120))).Status);
        Assert.Equal("completed", (await host.WaitForTerminalAsync(before.Id, TimeSpan.FromSeconds(120))).Status);
    }

    [Fact]
    public async Task RequestErrors_OnProduceOffsetCommitAndJoinGroup_AreRetried_AndNothingIsLost()
    {
        using var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.PushRequestErrors(KafkaApiKey.JoinGroup,
            ErrorCode.GroupLoadInProgress, ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.NotCoordinatorForGroup);
        await using var host = await StartAsync(cluster);

        var ids = new List<string>();
        for (var n = 0; n < 60; n++)
        {
            if (n % 10 == 0)
            {
                cluster.PushRequestErrors(KafkaApiKey.Produce,
                    ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas);
                cluster.PushRequestErrors(KafkaApiKey.OffsetCommit,
                    ErrorCode.RebalanceInProgress, ErrorCode.GroupCoordinatorNotAvailable, ErrorCode.RequestTimedOut);
            }

            ids.Add(await UploadUntilAcceptedAsync(host, Encoding.UTF8.GetBytes($"Fault-injected document number {n}."), $"f-{n}.txt"));
        }

        foreach (var id in ids)
        {
            Assert.Equal("completed", (await host.WaitForTerminalAsync(id, TimeSpan.FromSeconds(120))).Status);
            await AssertIndexedOnceAsync(host, id);
        }
    }

    /// <summary>A host on its own topic prefix (so consumer groups and topics are this test's alone).</summary>
    private static async Task<SluiceTestHost> StartAsync(KafkaMockCluster cluster, Dictionary<string, string?>? extra = null)
    {
        var prefix = $"t{Guid.NewGuid():N}.";
        foreach (var spec in TopicProvisioner.Specs(partitions: 3))
        {
            cluster.CreateTopic(prefix + spec.Name, spec.Partitions, replicationFactor: 3);
        }

        var settings = new Dictionary<string, string?>
        {
            ["Sluice:Transport"] = "kafka",
            ["Sluice:Partitions"] = "3",
            ["Sluice:Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["Sluice:Kafka:TopicPrefix"] = prefix,
            ["Sluice:Kafka:SessionTimeout"] = "00:00:06",
            ["Sluice:Kafka:MaxPollInterval"] = "00:01:00",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return await SluiceTestHost.StartAsync(settings, services => services.AddSingleton<IEmbedder, HashingEmbedder>());
    }

    /// <summary>Uploads as a well-behaved client does: a 503 is retried after a pause, anything else but 202/200 fails.</summary>
    private static async Task<string> UploadUntilAcceptedAsync(SluiceTestHost host, byte[] content, string name)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await host.UploadAsync(content, name, "text/plain");
            if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                var document = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Api.DocumentResponse>(response.Content, Ct);
                return document!.Id;
            }

            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 20,
                $"upload of {name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        }
    }

    /// <summary>Chunks are dense from 0, and the index holds each exactly once.</summary>
    private static async Task AssertIndexedOnceAsync(SluiceTestHost host, string id)
    {
        var chunks = await host.ChunksAsync(id);
        Assert.NotEmpty(chunks.Items);
        Assert.Equal(Enumerable.Range(0, chunks.Items.Count), chunks.Items.Select(c => c.Index));
        var indexed = await host.Services.GetRequiredService<ISearchIndex>().CountAsync(id, Ct);
        Assert.Equal(chunks.Items.Count, indexed);
    }
}
