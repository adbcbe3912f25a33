using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sluice.Cli.Client;
using Sluice.Kafka;
using Sluice.Server.Dev;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Chaos;

/// <summary>
/// <c>sluice bench chaos</c>: ingests documents of mixed formats (some broken on purpose) into a <c>sluice serve</c>
/// child process while it repeatedly kills that process with SIGKILL, takes the status store down, makes the LLM fail,
/// takes a Kafka broker down, and deletes and re-uploads documents; then checks that set in = set out
/// (<see cref="ChaosAudit"/>) and exits 1 on any loss, duplicate or leak.
/// </summary>
internal static class ChaosBench
{
    public static Command Create()
    {
        var transport = new Option<string>("--transport") { Description = "embedded or kafka (a mock cluster in this process)", DefaultValueFactory = _ => "embedded" };
        transport.AcceptOnlyFromAmong("embedded", "kafka");
        var documents = new Option<int>("--documents") { Description = "Documents to ingest (default 2000)", DefaultValueFactory = _ => 2000 };
        var kills = new Option<int>("--kills") { Description = "SIGKILLs of the server, at least (default 20)", DefaultValueFactory = _ => 20 };
        var interval = new Option<double>("--interval") { Description = "Seconds between two faults (default 3)", DefaultValueFactory = _ => 3 };
        var settle = new Option<double>("--settle") { Description = "Minutes to wait for every document to end after the faults (default 15)", DefaultValueFactory = _ => 15 };
        var seed = new Option<int>("--seed") { Description = "Seed of the workload and the faults (default 1)", DefaultValueFactory = _ => 1 };
        var keep = new Option<bool>("--keep") { Description = "Keep the data directory and the server's log afterwards" };
        var command = new Command("chaos", "Ingest under process kills, store, LLM and broker outages, and deletes; check nothing is lost, duplicated or leaked")
        {
            transport, documents, kills, interval, settle, seed, keep,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            new ChaosSettings(
                result.GetValue(transport)!, result.GetValue(documents), result.GetValue(kills), TimeSpan.FromSeconds(result.GetValue(interval)),
                TimeSpan.FromMinutes(result.GetValue(settle)), result.GetValue(seed), result.GetValue(keep)),
            cancellationToken));
        return command;
    }

    internal sealed record ChaosSettings(string Transport, int Documents, int Kills, TimeSpan Interval, TimeSpan Settle, int Seed, bool Keep);

    internal static async Task<int> RunAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Documents < 1 || settings.Kills < 0 || settings.Interval <= TimeSpan.Zero)
        {
            throw new CliException("--documents must be at least 1, --kills at least 0 and --interval positive", 2);
        }

        var work = Path.Combine(Path.GetTempPath(), $"sluice-chaos-{Guid.NewGuid():N}");
        var dataDirectory = Path.Combine(work, "data");
        var statusDownFile = Path.Combine(work, "status-store-down");
        Directory.CreateDirectory(dataDirectory);
        var clock = Stopwatch.StartNew();

        await using var llm = new FakeLlmServer();
        var calm = new FakeLlmOptions { Latency = TimeSpan.FromMilliseconds(20), Rate429 = 0.03, Rate500 = 0.03, RetryAfterSeconds = 1, Seed = settings.Seed };
        var llmUrl = await llm.StartAsync(calm, cancellationToken);
        using var cluster = settings.Transport == "kafka" ? StartCluster() : null;

        var url = new Uri($"http://127.0.0.1:{FreePort()}/");
        string[] arguments = cluster is null
            ? ["serve", "--data-dir", dataDirectory, "--urls", url.ToString().TrimEnd('/')]
            : ["serve", "--data-dir", dataDirectory, "--urls", url.ToString().TrimEnd('/'), "--bootstrap", cluster.BootstrapServers];
        var environment = new Dictionary<string, string>
        {
            ["Sluice__Summarizer"] = "llm",
            ["Sluice__Llm__Endpoint"] = llmUrl.ToString(),
            ["Sluice__Llm__Model"] = "fake-chat",
            ["Sluice__RetryDelays"] = "2s,5s,15s",
            ["Sluice__Faults__StatusStoreDownWhile"] = statusDownFile,
            ["Sluice__Kafka__SessionTimeout"] = "00:00:06",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        await using var server = new ChaosServer(arguments, environment, url, Path.Combine(work, "server.log"));
        await server.StartAsync(cancellationToken);
        using var client = new ChaosClient(url);
        var documents = ChaosWorkload.Create(settings.Documents, settings.Seed);
        Console.WriteLine($"chaos: {settings.Documents} documents on the {settings.Transport} log, at least {settings.Kills} kills; working in {work}");

        var uploading = Parallel.ForEachAsync(documents, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken },
            async (document, token) => await client.UploadAsync(document, token));
        var faults = new ChaosFaults(server, client, llm, calm, cluster, statusDownFile, documents, new Random(settings.Seed));
        while (!uploading.IsCompleted || faults.Kills < settings.Kills)
        {
            await Task.Delay(settings.Interval, cancellationToken);
            await faults.NextAsync(cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {clock.Elapsed:mm\\:ss}  {faults.Last,-48} acknowledged {documents.Count(d => d.Id is not null),5}/{documents.Count}"));
        }

        await uploading;
        await faults.CalmAsync();
        await WaitForTheEndAsync(documents, client, settings.Settle, clock, cancellationToken);

        // Valid documents parked by the faults (summaries that ran out of attempts during an LLM outage, a record that
        // happened to be in flight at two kills and was taken for a crash loop) are parked, not lost: replay them as an
        // operator would, until none is left. Broken documents are replayed too, and parked again.
        for (var round = 1; round <= 3 && await ParkedValidAsync(documents, client, cancellationToken) is { Count: > 0 } parked; round++)
        {
            foreach (var (reason, count) in parked.OrderByDescending(p => p.Value))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count,5} valid documents parked: {reason}"));
            }

            var job = await client.ReplayAsync(null, cancellationToken);
            faults.Replayed += job.Replayed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {clock.Elapsed:mm\\:ss}  {parked.Values.Sum()} valid documents parked: replayed {job.Replayed} dead letters"));
            await WaitForTheEndAsync(documents, client, settings.Settle, clock, cancellationToken);
        }

        var report = await ChaosAudit.RunAsync(documents, client, dataDirectory, cancellationToken);
        await server.KillAsync();

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            documents {report.Documents}: acknowledged {report.Acknowledged}, completed {report.Completed}, dead-lettered {report.DeadLettered}, failed {report.Failed}, deleted {report.Deleted}
            lost {report.Lost}, duplicated {report.Duplicated}, leaked {report.Leaked}, unexpected {report.Unexpected}
            kills survived {faults.Kills} (server starts {server.Starts}), status store outages {faults.StoreOutages}, LLM outages {faults.LlmOutages}, broker outages {faults.BrokerOutages}, deletes {faults.Deletes}, re-uploads {faults.Reuploads}, dead letters replayed {faults.Replayed}
            in {clock.Elapsed.TotalSeconds:F0} s
            """));
        foreach (var problem in report.Problems.Take(20))
        {
            Console.WriteLine($"  {problem}");
        }

        if (!settings.Keep && report.Passed)
        {
            Directory.Delete(work, recursive: true);
        }

        Console.WriteLine(report.Passed ? "chaos: passed" : $"chaos: FAILED (kept {work})");
        return report.Passed ? 0 : 1;
    }

    /// <summary>Valid documents the faults parked, counted by stage and reason (numbers in the reason folded).</summary>
    private static async Task<Dictionary<string, int>> ParkedValidAsync(List<ChaosDocument> documents, ChaosClient client, CancellationToken cancellationToken)
    {
        var parked = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var document in documents.Where(d => d.Live && !d.Broken))
        {
            if (await client.GetAsync(document.Id!, cancellationToken) is { Status: "dead_lettered" or "failed" } status)
            {
                var reason = $"{status.Error?.Stage}: {System.Text.RegularExpressions.Regex.Replace(status.Error?.Reason ?? "", @"\d+", "N")}";
                parked[reason] = parked.GetValueOrDefault(reason) + 1;
            }
        }

        return parked;
    }

    private static KafkaMockCluster StartCluster()
    {
        var cluster = KafkaMockCluster.Start(brokers: 3);
        cluster.SetConsumerGroupTimeouts(TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(1));
        foreach (var spec in TopicProvisioner.Specs(6, retryDelays: new Server.SluiceOptions { RetryDelays = "2s,5s,15s" }.RetryDelayList))
        {
            cluster.CreateTopic(spec.Name, spec.Partitions, replicationFactor: 3);
        }

        return cluster;
    }

    /// <summary>Follows every acknowledged, undeleted document until it is terminal, or until the settle time is up.</summary>
    private static async Task WaitForTheEndAsync(
        List<ChaosDocument> documents, ChaosClient client, TimeSpan settle, Stopwatch clock, CancellationToken cancellationToken)
    {
        var until = clock.Elapsed + settle;
        var pending = documents.Where(d => d.Live).ToList();
        var lastReport = TimeSpan.Zero;
        while (pending.Count > 0 && clock.Elapsed < until)
        {
            var still = new List<ChaosDocument>();
            foreach (var document in pending)
            {
                var status = await client.GetAsync(document.Id!, cancellationToken);
                if (status is null || !status.IsTerminal())
                {
                    still.Add(document);
                }
            }

            pending = still;
            if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {clock.Elapsed:mm\\:ss}  waiting for {pending.Count} documents to end"));
            }

            if (pending.Count > 0)
            {
                await Task.Delay(500, cancellationToken);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
