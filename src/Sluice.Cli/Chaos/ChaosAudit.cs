using System.Text;
using Sluice.Cli.Client;
using Sluice.Core.Ports;
using Sluice.Server;

namespace Sluice.Cli.Chaos;

/// <summary>What a chaos run counted at the end; any loss, duplicate or leak fails it.</summary>
internal sealed record ChaosReport(
    int Documents, int Acknowledged, int Completed, int DeadLettered, int Failed, int Deleted,
    int Lost, int Duplicated, int Leaked, int Unexpected, IReadOnlyList<string> Problems)
{
    public bool Passed => Lost == 0 && Duplicated == 0 && Leaked == 0 && Unexpected == 0;
}

/// <summary>
/// Set in = set out: every acknowledged document is terminal (or deleted); each one that should complete has exactly
/// its chunks in the chunk store and the search index; each broken one is dead-lettered or failed with a reason; each
/// deleted one has nothing left in any store, nor its marker sentence in any file of the data directory.
/// </summary>
internal static class ChaosAudit
{
    public static async Task<ChaosReport> RunAsync(
        IReadOnlyList<ChaosDocument> documents, ChaosClient client, string dataDirectory, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        int completed = 0, deadLettered = 0, failed = 0, lost = 0, duplicated = 0, leaked = 0, unexpected = 0;
        await using var stores = OpenStores(dataDirectory);
        var chunks = stores.GetRequiredService<IChunkStore>();
        var summaries = stores.GetRequiredService<ISummaryStore>();
        var index = stores.GetRequiredService<ISearchIndex>();

        foreach (var document in documents.Where(d => d.Live))
        {
            var status = await client.GetAsync(document.Id!, cancellationToken);
            if (status is null || !status.IsTerminal())
            {
                lost++;
                problems.Add($"lost: {document.FileName} ({document.Id}) is {status?.Status ?? "gone"}");
                continue;
            }

            switch (status.Status)
            {
                case "completed":
                    completed++;
                    if (document.Broken)
                    {
                        unexpected++;
                        problems.Add($"unexpected: broken {document.FileName} completed");
                    }

                    var page = await client.ChunksAsync(document.Id!, cancellationToken);
                    var indexed = await index.CountAsync(document.Id!, cancellationToken);
                    var distinct = page.Items.Select(c => c.Id).Distinct(StringComparer.Ordinal).Count();
                    if (page.Total != status.Chunks || distinct != page.Items.Count || indexed != page.Total
                        || !page.Items.Select(c => c.Index).SequenceEqual(Enumerable.Range(0, page.Items.Count)))
                    {
                        duplicated++;
                        problems.Add($"chunks: {document.FileName} says {status.Chunks}, stores {page.Total} ({distinct} distinct), indexes {indexed}");
                    }

                    break;
                case "dead_lettered" or "failed":
                    deadLettered += status.Status == "dead_lettered" ? 1 : 0;
                    failed += status.Status == "failed" ? 1 : 0;
                    if (!document.Broken || string.IsNullOrEmpty(status.Error?.Reason))
                    {
                        unexpected++;
                        problems.Add($"unexpected: {document.FileName} ended {status.Status} in {status.Error?.Stage}: {status.Error?.Reason}");
                    }

                    break;
            }
        }

        var deleted = documents.Where(d => d.Deleted).ToList();
        var files = ReadFiles(dataDirectory);
        foreach (var document in deleted)
        {
            var left = new List<string>();
            if (await client.GetAsync(document.Id!, cancellationToken) is not null)
            {
                left.Add("its status");
            }

            if (await chunks.CountAsync(document.Id!, cancellationToken) > 0)
            {
                left.Add("chunks");
            }

            if (await index.CountAsync(document.Id!, cancellationToken) > 0)
            {
                left.Add("indexed chunks");
            }

            if (await summaries.GetAsync(document.Id!, cancellationToken) is not null)
            {
                left.Add("a summary");
            }

            var marker = Encoding.UTF8.GetBytes(document.Marker);
            left.AddRange(files.Where(f => f.Content.AsSpan().IndexOf(marker) >= 0).Select(f => $"its text in {f.Name}"));
            if (left.Count > 0)
            {
                leaked++;
                problems.Add($"leaked: deleted {document.FileName} left {string.Join(", ", left)}");
            }
        }

        return new ChaosReport(
            documents.Count, documents.Count(d => d.Id is not null), completed, deadLettered, failed, deleted.Count,
            lost, duplicated, leaked, unexpected, problems);
    }

    /// <summary>
    /// The stores of the server's data directory, registered as the server registers them (the same selection and
    /// adapters), so the audit reads what the server wrote whichever stores it ran on. Disposing it closes them.
    /// </summary>
    private static ServiceProvider OpenStores(string dataDirectory)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Sluice:DataDirectory"] = dataDirectory })
            .Build();
        var options = configuration.GetSection(SluiceOptions.Section).Get<SluiceOptions>() ?? new SluiceOptions();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddSluiceStores(options, configuration);
        return services.BuildServiceProvider();
    }

    private static List<(string Name, byte[] Content)> ReadFiles(string root)
    {
        var files = new List<(string, byte[])>();
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            try
            {
                files.Add((Path.GetRelativePath(root, file), File.ReadAllBytes(file)));
            }
            catch (IOException)
            {
                // Removed while we looked.
            }
        }

        return files;
    }
}
