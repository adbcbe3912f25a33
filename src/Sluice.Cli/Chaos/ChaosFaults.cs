using Sluice.Kafka;
using Sluice.Server.Dev;

namespace Sluice.Cli.Chaos;

/// <summary>The faults of a chaos run, one per call, in turn: a kill, a store outage, an LLM or broker outage, deletes.</summary>
internal sealed class ChaosFaults(
    ChaosServer server, ChaosClient client, FakeLlmServer llm, FakeLlmOptions calm, KafkaMockCluster? cluster, string statusDownFile,
    List<ChaosDocument> documents, Random random)
{
    private int _step;

    public int Kills { get; private set; }

    public int StoreOutages { get; private set; }

    public int LlmOutages { get; private set; }

    public int BrokerOutages { get; private set; }

    public int Deletes { get; private set; }

    public int Reuploads { get; private set; }

    /// <summary>Dead letters replayed after the faults.</summary>
    public int Replayed { get; set; }

    public string Last { get; private set; } = "";

    public async Task NextAsync(CancellationToken cancellationToken)
    {
        switch (_step++ % 4)
        {
            case 0:
                await server.KillAsync();
                Kills++;
                await server.StartAsync(cancellationToken);
                Last = $"kill -9 #{Kills} and restart";
                break;
            case 1:
                await File.WriteAllTextAsync(statusDownFile, "down", cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
                File.Delete(statusDownFile);
                StoreOutages++;
                Last = "status store down for 3 s";
                break;
            case 2 when cluster is not null && _step % 8 == 3:
                var broker = 1 + random.Next(cluster.Brokers);
                cluster.SetBrokerDown(broker);
                await Task.Delay(TimeSpan.FromSeconds(4), cancellationToken);
                cluster.SetBrokerUp(broker);
                BrokerOutages++;
                Last = $"broker {broker} down for 4 s";
                break;
            case 2:
                llm.Options = new FakeLlmOptions { Latency = calm.Latency, Rate500 = 1, Seed = calm.Seed };
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
                llm.Options = calm;
                LlmOutages++;
                Last = "LLM answering 500 for 3 s";
                break;
            default:
                var deletable = documents.Where(d => d.Live && !d.Broken).OrderBy(_ => random.Next()).Take(5).ToList();
                foreach (var document in deletable)
                {
                    await client.DeleteAsync(document, cancellationToken);
                }

                var again = documents.Where(d => d.Deleted).OrderBy(_ => random.Next()).Take(2).ToList();
                foreach (var document in again)
                {
                    await client.UploadAsync(document, cancellationToken);
                }

                Deletes += deletable.Count;
                Reuploads += again.Count;
                Last = $"deleted {deletable.Count}, uploaded {again.Count} deleted ones again";
                break;
        }
    }

    /// <summary>Ends any fault still in force, so that the run can settle.</summary>
    public Task CalmAsync()
    {
        File.Delete(statusDownFile);
        llm.Options = calm;
        return Task.CompletedTask;
    }
}
