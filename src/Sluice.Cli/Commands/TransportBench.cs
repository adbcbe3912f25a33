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
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string: adds a run on Kafka + PostgreSQL + S3 (with --s3-bucket)" };
        var s3Url = new Option<string?>("--s3-url") { Description = "S3 endpoint for that run (Ceph RGW, MinIO; empty: AWS)" };
        var s3Bucket = new Option<string?>("--s3-bucket") { Description = "S3 bucket for that run (created when missing)" };
        var command = new Command("transports", "Documents/s, event-log and store cost of the same folder on the embedded log, on Kafka (mock cluster), and on Kafka + PostgreSQL + S3")
        {
            folder, partitions, postgres, s3Url, s3Bucket,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(folder)!, result.GetValue(partitions), result.GetValue(postgres), result.GetValue(s3Url), result.GetValue(s3Bucket),
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string folder, int partitions, string? postgres, string? s3Url, string? s3Bucket, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            throw new CliException($"'{folder}' is not a folder", 2);
        }

        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Console.WriteLine($"{files.Count} documents, {partitions} partitions per topic");
        Console.WriteLine("| log | documents/s | completed | ack p50 / p99 ms | publishes | records | publish p50 / p99 ms | log wait per document ms |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        var runs = new List<Run> { new("embedded (SQLite)", "embedded", null), new("Kafka (mock cluster, 3 brokers)", "kafka", null) };
        if (postgres is not null && s3Bucket is not null)
        {
            // Credentials from the SDK's chain (AWS_ACCESS_KEY_ID, ...) or SLUICE_S3_ACCESS_KEY / SLUICE_S3_SECRET_KEY.
            var networked = new Dictionary<string, string?>
            {
                ["Sluice:Stores"] = "postgres",
                ["Sluice:Postgres:ConnectionString"] = postgres,
                ["Sluice:Postgres:Schema"] = "bench_" + Guid.NewGuid().ToString("N")[..8],
                ["Sluice:Blobs"] = "s3",
                ["Sluice:S3:ServiceUrl"] = s3Url,
                ["Sluice:S3:Bucket"] = s3Bucket,
                ["Sluice:S3:CreateBucket"] = "true",
                ["Sluice:S3:Prefix"] = "bench-" + Guid.NewGuid().ToString("N")[..8] + "/",
                ["Sluice:S3:AccessKey"] = Environment.GetEnvironmentVariable("SLUICE_S3_ACCESS_KEY"),
                ["Sluice:S3:SecretKey"] = Environment.GetEnvironmentVariable("SLUICE_S3_SECRET_KEY"),
            };
            runs.Add(new("Kafka (mock) + PostgreSQL + S3", "kafka", networked));
        }

        var failed = 0;
        var timings = new List<(string Name, StoreTimings Timings)>();
        foreach (var run in runs)
        {
            var stores = new StoreTimings();
            failed += await RunOnceAsync(run, files, partitions, stores, cancellationToken);
            timings.Add((run.Name, stores));
        }

        Console.WriteLine();
        Console.WriteLine("Time in each store, summed over every call of every stage and the API, per document (ms):");
        Console.WriteLine("| run | status | blobs | chunks | search index | summaries |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var (name, stores) in timings)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {stores.Milliseconds("status") / files.Count:F1} | {stores.Milliseconds("blobs") / files.Count:F1} | " +
                $"{stores.Milliseconds("chunks") / files.Count:F1} | {stores.Milliseconds("index") / files.Count:F1} | {stores.Milliseconds("summaries") / files.Count:F1} |"));
        }

        return failed > 0 ? 1 : 0;
    }

    private static async Task<int> RunOnceAsync(Run run, List<string> files, int partitions, StoreTimings stores, CancellationToken cancellationToken)
    {
        var transport = run.Transport;
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

        foreach (var (key, value) in run.Settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var builder = SluiceApp.CreateBuilder([], overrides);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var measured = new PublishTimings();
        var registration = builder.Services.Last(d => d.ServiceType == typeof(IEventLog));
        builder.Services.Remove(registration);
        builder.Services.AddSingleton<IEventLog>(sp => new TimedEventLog((IEventLog)registration.ImplementationFactory!(sp), measured));
        builder.Services.Decorate<IStatusStore>((_, inner) => stores.Wrap(inner, "status"));
        builder.Services.Decorate<IBlobStore>((_, inner) => stores.Wrap(inner, "blobs"));
        builder.Services.Decorate<IChunkStore>((_, inner) => stores.Wrap(inner, "chunks"));
        builder.Services.Decorate<ISearchIndex>((_, inner) => stores.Wrap(inner, "index"));
        builder.Services.Decorate<ISummaryStore>((_, inner) => stores.Wrap(inner, "summaries"));

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
            $"| {run.Name} | {files.Count / seconds:F1} | {completed}/{files.Count} | " +
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

    /// <summary>One configuration of the folder's run: its name, its event log, and the settings that choose its stores.</summary>
    private sealed record Run(string Name, string Transport, IReadOnlyDictionary<string, string?>? Settings);

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

        public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
            => inner.GetLagAsync(groupId, topics, cancellationToken);

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
