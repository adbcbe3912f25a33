using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Sluice.Cli.Client;
using Microsoft.Extensions.Options;
using Npgsql;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Embedded;
using Sluice.Postgres;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench index</c>: the search index alone at scale. Loads N chunks (384-dimension vectors clustered like real
/// embeddings: points scattered around a thousand topic centres; real text for the keyword index, from a JSON-lines corpus
/// such as BEIR's, or a skewed synthetic vocabulary) through <see cref="ISearchIndex.UpsertAsync"/>, then times vector,
/// keyword and hybrid queries with and without a tenant filter, and reports the insert rate, memory and disk.
/// </summary>
internal static class IndexBench
{
    private const int Dimensions = 384;
    private const int Centres = 1_000;
    private const int ChunksPerDocument = 50;

    /// <summary>Per-dimension noise around a centre: about 0.6 in norm against the centre's 1, so a point keeps a cosine near 0.85 with its centre.</summary>
    private const double Spread = 0.03;
    /// <summary>The HNSW index the PostgreSQL store builds for 384-dimension vectors.</summary>
    private const string HnswIndex = "search_chunks_hnsw_384";

    private static readonly EmbedderInfo Embedder = new("bench-clustered", "1", Dimensions);

    public static Command Create()
    {
        var store = new Option<string>("--store") { Description = "embedded or postgres", DefaultValueFactory = _ => "embedded" };
        var chunks = new Option<int>("--chunks") { Description = "Chunks to load (default 1,000,000)", DefaultValueFactory = _ => 1_000_000 };
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (--store postgres)" };
        var corpus = new Option<string?>("--corpus") { Description = "JSON-lines corpus (BEIR corpus.jsonl) for the chunks' text" };
        var queries = new Option<int>("--queries") { Description = "Queries per kind (default 200)", DefaultValueFactory = _ => 200 };
        var directory = new Option<string?>("--data-dir") { Description = "Where the embedded index goes (default: a temporary directory)" };
        var indexAfter = new Option<bool>("--index-after")
        {
            Description = "PostgreSQL: drop the HNSW index for the load and build it once at the end (a bulk load), timing the build",
        };
        var noLoad = new Option<bool>("--no-load")
        {
            Description = "Query what an earlier run loaded (the same --data-dir or --connection, --chunks and --corpus), to measure queries again on a quiet machine",
        };
        var command = new Command("index", "Insert rate, query latency, memory and disk of the search index at scale")
        {
            store, chunks, connection, corpus, queries, directory, indexAfter, noLoad,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(store)!, result.GetValue(chunks), result.GetValue(connection), result.GetValue(corpus), result.GetValue(queries),
            result.GetValue(directory), result.GetValue(indexAfter), result.GetValue(noLoad), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string store, int total, string? connection, string? corpus, int queries, string? directory, bool indexAfter, bool noLoad,
        CancellationToken cancellationToken)
    {
        if (noLoad && (indexAfter || (store == "embedded" && directory is null)))
        {
            throw new CliException("--no-load queries an earlier run's index: give its --data-dir (embedded), and no --index-after", 2);
        }

        if (indexAfter && store != "postgres")
        {
            throw new CliException("--index-after is for --store postgres", 2);
        }

        if (store is not ("embedded" or "postgres"))
        {
            throw new CliException("--store is embedded or postgres", 2);
        }

        if (store == "postgres" && string.IsNullOrWhiteSpace(connection))
        {
            throw new CliException("--store postgres needs --connection", 2);
        }

        var texts = LoadTexts(corpus);
        var random = new Random(17);
        var centres = Enumerable.Range(0, Centres).Select(_ => Normalised(Gaussian(random, 1.0))).ToArray();
        var temporary = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "sluice-index-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        await using var services = Services(store, connection, directory);
        var index = services.GetRequiredService<ISearchIndex>();

        // Tenants: "big" holds 89% of the chunks, "mid" 10%, "small" 1%; a filtered query is the small tenant's.
        Console.WriteLine($"{(noLoad ? "querying" : "loading")} {total:N0} chunks {(noLoad ? "in" : "into")} the {store} index ({Centres} clusters, {Dimensions} dimensions)");
        var load = Stopwatch.StartNew();
        var documents = (total + ChunksPerDocument - 1) / ChunksPerDocument;
        var next = 0;
        var lastReport = Stopwatch.StartNew();
        async ValueTask LoadAsync(int d, CancellationToken ct)
        {
            var local = new Random(d);
            var tenant = (d % 100) switch { 0 => "small", < 11 => "mid", _ => "big" };
            var id = $"doc-{d:D7}";
            var count = Math.Min(ChunksPerDocument, total - (d * ChunksPerDocument));
            var chunks = new IndexedChunk[count];
            for (var i = 0; i < count; i++)
            {
                var text = texts[((d * ChunksPerDocument) + i) % texts.Count];
                var centre = centres[local.Next(Centres)];
                chunks[i] = new IndexedChunk(
                    new Chunk($"{id}:{i}", id, i, text, 0, text.Length, null, 60), Normalised(Add(centre, Gaussian(local, Spread))));
            }

            await index.UpsertAsync(tenant, id, Embedder, chunks, ct);
            var done = Interlocked.Add(ref next, count);
            lock (lastReport)
            {
                if (lastReport.Elapsed > TimeSpan.FromSeconds(10))
                {
                    Console.WriteLine($"  {done:N0} chunks, {done / load.Elapsed.TotalSeconds:N0}/s");
                    lastReport.Restart();
                }
            }
        }

        // The first document registers the dimension and builds its (empty) HNSW index; a bulk load then drops it.
        if (noLoad)
        {
            documents = 1;
        }

        await LoadAsync(0, cancellationToken);
        if (indexAfter)
        {
            await ExecuteAsync(connection!, $"DROP INDEX sluice.{HnswIndex}", cancellationToken);
        }

        await Parallel.ForAsync(1, documents, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, LoadAsync);
        load.Stop();
        if (!noLoad)
        {
            Console.WriteLine($"inserted {total:N0} chunks in {load.Elapsed.TotalSeconds:N1} s: {total / load.Elapsed.TotalSeconds:N0} chunks/s");
        }
        if (indexAfter)
        {
            // The same index the store builds (cosine, partial on the dimension), with the memory a build of this size needs
            // and one parallel worker (two cores).
            var build = Stopwatch.StartNew();
            await ExecuteAsync(connection!, $"""
                SET maintenance_work_mem = '4GB';
                SET max_parallel_maintenance_workers = 1;
                CREATE INDEX {HnswIndex} ON sluice.search_chunks
                USING hnsw ((embedding::vector({Dimensions})) vector_cosine_ops) WHERE dimensions = {Dimensions}
                """, cancellationToken);
            Console.WriteLine($"built the HNSW index in {build.Elapsed.TotalSeconds:N1} s; load and build: {total / (load.Elapsed + build.Elapsed).TotalSeconds:N0} chunks/s");
        }

        var words = texts.SelectMany(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(w => w.Length > 4 && w.All(char.IsLetter))
            .Select(w => w.ToLowerInvariant()).Distinct().Take(5_000).ToArray();
        var first = Stopwatch.StartNew();
        await index.SearchAsync(new SearchQuery("warm", Normalised(Gaussian(random, 1.0)), 10, SearchMode.Vector, "big", Embedder: Embedder), cancellationToken);
        Console.WriteLine($"first query (loads what the index keeps in memory): {first.Elapsed.TotalMilliseconds:N0} ms");
        Console.WriteLine("| query | tenant filter | p50 ms | p99 ms | mean hits |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var mode in new[] { SearchMode.Vector, SearchMode.Keyword, SearchMode.Hybrid })
        {
            foreach (var tenant in new[] { "big", "small" })
            {
                var times = new List<double>(queries);
                var hits = 0L;
                for (var q = 0; q < queries; q++)
                {
                    var vector = Normalised(Add(centres[random.Next(Centres)], Gaussian(random, Spread)));
                    var text = $"{words[random.Next(words.Length)]} {words[random.Next(words.Length)]}";
                    var clock = Stopwatch.StartNew();
                    var found = await index.SearchAsync(new SearchQuery(text, vector, 10, mode, tenant, Embedder: Embedder), cancellationToken);
                    times.Add(clock.Elapsed.TotalMilliseconds);
                    hits += found.Count;
                }

                times.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {mode.ToString().ToLowerInvariant()} | {(tenant == "small" ? "1% tenant" : "89% tenant")} | {times[times.Count / 2]:N1} | {times[(int)(times.Count * 0.99)]:N1} | {(double)hits / queries:N1} |"));
            }
        }

        Process.GetCurrentProcess().Refresh();
        Console.WriteLine($"process: working set {Environment.WorkingSet / (1024 * 1024):N0} MiB, managed heap {GC.GetTotalMemory(false) / (1024 * 1024):N0} MiB");
        if (store == "embedded")
        {
            var bytes = Directory.EnumerateFiles(directory).Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"disk: {bytes / (1024 * 1024):N0} MiB in {directory}");
        }
        else
        {
            await ReportPostgresSizesAsync(connection!, cancellationToken);
        }

        if (temporary)
        {
            await services.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }

        return 0;
    }

    private static ServiceProvider Services(string store, string? connection, string directory)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (store == "postgres")
        {
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Sluice:Postgres:ConnectionString"] = connection })
                .Build());
            services.AddSluicePostgres(StageNames.Pipeline);
        }
        else
        {
            services.AddSingleton<ISearchIndex>(new SqliteSearchIndex(Options.Create(new SqliteSearchIndexOptions { Path = Path.Combine(directory, "search.db") })));
        }

        return services.BuildServiceProvider();
    }

    private static async Task ExecuteAsync(string connection, string sql, CancellationToken cancellationToken)
    {
        await using var source = NpgsqlDataSource.Create(connection);
        await using var command = source.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task ReportPostgresSizesAsync(string connection, CancellationToken cancellationToken)
    {
        await using var source = NpgsqlDataSource.Create(connection);
        await using var command = source.CreateCommand("""
            SELECT c.relname, c.relkind, CASE c.relkind WHEN 'r' THEN pg_table_size(c.oid) ELSE pg_relation_size(c.oid) END AS bytes
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'sluice' AND c.relkind IN ('r', 'i') ORDER BY 3 DESC LIMIT 6
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            Console.WriteLine($"disk: {(reader.GetChar(1) == 'i' ? "index" : "table")} {reader.GetString(0)}: {reader.GetInt64(2) / (1024 * 1024):N0} MiB");
        }
    }

    private static List<string> LoadTexts(string? corpus)
    {
        var texts = new List<string>();
        if (corpus is not null)
        {
            foreach (var line in File.ReadLines(corpus))
            {
                using var json = JsonDocument.Parse(line);
                var words = json.RootElement.GetProperty("text").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (var i = 0; i < words.Length; i += 60)
                {
                    texts.Add(string.Join(' ', words.Skip(i).Take(60)));
                }
            }

            return texts;
        }

        // A skewed synthetic vocabulary: a few words are everywhere, most are rare, as in real text.
        var random = new Random(3);
        var vocabulary = Enumerable.Range(0, 5_000).Select(i => $"w{i.ToString("x", CultureInfo.InvariantCulture)}ord").ToArray();
        for (var t = 0; t < 20_000; t++)
        {
            texts.Add(string.Join(' ', Enumerable.Range(0, 60).Select(_ => vocabulary[(int)(vocabulary.Length * Math.Pow(random.NextDouble(), 3))])));
        }

        return texts;
    }

    private static float[] Gaussian(Random random, double sigma)
    {
        var vector = new float[Dimensions];
        for (var i = 0; i < Dimensions; i++)
        {
            vector[i] = (float)(sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        return vector;
    }

    private static float[] Add(float[] a, float[] b)
    {
        var sum = new float[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            sum[i] = a[i] + b[i];
        }

        return sum;
    }

    private static float[] Normalised(float[] vector)
    {
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => v / norm)];
    }
}
