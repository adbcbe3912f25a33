using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Sluice.Cli.Client;
using Sluice.Core.Ports;
using Sluice.Kafka;
using Sluice.Server;
using Sluice.Server.Hosting;
using Sluice.Server.Api;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench transports --folder DIR</c>: the same folder through the same in-process pipeline (API and every
/// stage, real model) twice in one run, on the embedded log and on Kafka (librdkafka's mock cluster, in process),
/// each on a fresh data directory. Reports documents/s and what the event log costs: every publish is timed, and
/// publishes sit on the critical path (a record is finished only once its outputs are acknowledged).
/// </summary>
internal static class TransportBench
{
    public static Command Create()
    {
        var folder = new Option<string>("--folder") { Description = "Folder of documents to ingest (recursive)", Required = true };
        var partitions = new Option<int>("--partitions") { Description = "Partitions per topic (default 6)", DefaultValueFactory = _ => 6 };
        var command = new Command("transports", "Documents/s and event-log cost of the same folder on the embedded log and on Kafka (mock cluster)")
        {
            folder, partitions,
        };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(folder)!, result.GetValue(partitions), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string folder, int partitions, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            throw new CliException($"'{folder}' is not a folder", 2);
        }

        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Console.WriteLine($"{files.Count} documents, {partitions} partitions per topic");
        Console.WriteLine("| log | documents/s | completed | ack p50 / p99 ms | publishes | records | publish p50 / p99 ms | log wait per document ms |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        var failed = 0;
        foreach (var transport in new[] { "embedded", "kafka" })
        {
            failed += await RunOnceAsync(transport, files, partitions, cancellationToken);
        }

        return failed > 0 ? 1 : 0;
    }

    private static async Task<int> RunOnceAsync(string transport, List<string> files, int partitions, CancellationToken cancellationToken)
    {
        var data = Path.Combine(Path.GetTempPath(), "sluice-bench-" + Guid.NewGuid().ToString("N"));
        using var cluster = transport == "kafka" ? KafkaMockCluster.Start(brokers: 3) : null;
        var overrides = new Dictionary<string, string?>
        {
            ["Sluice:DataDirectory"] = data,
            ["Sluice:Transport"] = transport,
            ["Sluice:Partitions"] = partitions.ToString(CultureInfo.InvariantCulture),
        };
        if (cluster is not null)
        {
            foreach (var spec in TopicProvisioner.Specs(partitions))
            {
                cluster.CreateTopic(spec.Name, spec.Partitions, replicationFactor: 3);
            }

            overrides["Sluice:Kafka:BootstrapServers"] = cluster.BootstrapServers;
        }

        var builder = SluiceApp.CreateBuilder([], overrides);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var measured = new PublishTimings();
        var registration = builder.Services.Last(d => d.ServiceType == typeof(IEventLog));
        builder.Services.Remove(registration);
        builder.Services.AddSingleton<IEventLog>(sp => new TimedEventLog((IEventLog)registration.ImplementationFactory!(sp), measured));

        await using var app = builder.Build();
        app.MapSluice();
        await app.StartAsync(cancellationToken);
        await app.Services.GetRequiredService<TopicProvisioner>().Provisioned.WaitAsync(cancellationToken); // uploads are refused until then
        var address = app.Urls.First();
        using var client = SluiceClient.Create(new Uri(address + "/"));

        var acks = new ConcurrentBag<double>();
        var ids = new ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (file, token) =>
        {
            var started = Stopwatch.GetTimestamp();
            var (document, _) = await client.UploadAsync(file, token);
            acks.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            ids.Add(document.Id);
        });

        var completed = 0;
        foreach (var id in ids)
        {
            DocumentResponse document;
            while (!(document = await client.GetAsync(id, cancellationToken)).IsTerminal())
            {
                await Task.Delay(100, cancellationToken);
            }

            completed += document.Status == "completed" ? 1 : 0;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await app.StopAsync(CancellationToken.None);
        var sortedAcks = acks.Order().ToArray();
        var publishes = measured.Latencies();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {(transport == "kafka" ? "Kafka (mock cluster, 3 brokers)" : "embedded (SQLite)")} | {files.Count / seconds:F1} | {completed}/{files.Count} | " +
            $"{Percentile(sortedAcks, 0.5):F1} / {Percentile(sortedAcks, 0.99):F1} | {publishes.Length} | {measured.Records} | " +
            $"{Percentile(publishes, 0.5):F1} / {Percentile(publishes, 0.99):F1} | {publishes.Sum() / Math.Max(1, files.Count):F1} |"));
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }

        return files.Count - completed;
    }

    private static double Percentile(double[] sorted, double p)
        => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed class PublishTimings
    {
        private readonly ConcurrentQueue<double> _milliseconds = new();
        private long _records;

        public long Records => Interlocked.Read(ref _records);

        public void Add(double milliseconds, int records)
        {
            _milliseconds.Enqueue(milliseconds);
            Interlocked.Add(ref _records, records);
        }

        public double[] Latencies() => [.. _milliseconds.Order()];
    }

    private sealed class TimedEventLog(IEventLog inner, PublishTimings timings) : IEventLog, IAsyncDisposable
    {
        public Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default)
            => inner.EnsureTopicsAsync(topics, cancellationToken);

        public IEventProducer CreateProducer() => new TimedProducer(inner.CreateProducer(), timings);

        public IEventConsumer CreateConsumer(ConsumerSettings settings) => inner.CreateConsumer(settings);

        public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
    }

    private sealed class TimedProducer(IEventProducer inner, PublishTimings timings) : IEventProducer
    {
        public async Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken = default)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await inner.ProduceAsync(records, cancellationToken);
            timings.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds, records.Count);
            return result;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
