using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;
using static Sluice.Embedded.Tests.Index.IndexData;

namespace Sluice.Embedded.Tests.Index;

/// <summary>One file, several <see cref="SqliteSearchIndex"/> instances: as the API and worker processes share it.</summary>
public sealed class SqliteSearchIndexSharingTests : IDisposable
{
    private readonly TempIndexFile _file = new();

    public void Dispose() => _file.Dispose();

    [Fact]
    public async Task Reopened_TheIndexStillFindsWhatWasWritten()
    {
        var writer = _file.Open();
        await UpsertAsync(writer, "doc", ("The heron stands in the shallows.", 0), ("The heron takes flight.", 30));
        await writer.DeleteAsync("gone", Ct);
        writer.Dispose();
        SqliteConnection.ClearAllPools();

        var reopened = _file.Open();

        Assert.Equal(2, await reopened.CountAsync("doc", Ct));
        Assert.Equal(["doc:0:v", "doc:1:v"], Ids(await SearchAsync(reopened, SearchMode.Vector)));
        Assert.Equal(2, (await SearchAsync(reopened, SearchMode.Keyword, "heron")).Count);
        Assert.Equal(2, reopened.LoadedChunks);
    }

    [Fact]
    public async Task TwoInstances_SeeEachOthersUpsertsAndDeletes()
    {
        var api = _file.Open();
        var worker = _file.Open();
        await UpsertAsync(api, "first", ("Otters crack shells on their bellies.", 40));
        Assert.Equal(["first:0:v"], Ids(await SearchAsync(api, SearchMode.Vector)));

        await UpsertAsync(worker, "second", ("Otters hold hands while sleeping.", 0));
        Assert.Equal(["second:0:v", "first:0:v"], Ids(await SearchAsync(api, SearchMode.Vector)));
        Assert.Equal(["second:0:v", "first:0:v"], Ids(await SearchAsync(api, SearchMode.Hybrid, "sleeping otters")));

        await UpsertAsync(worker, "first", ("Otters crack shells on their bellies.", 0), ("Otters groom their fur.", 5));
        await UpsertAsync(worker, "second", ("Otters hold hands while sleeping.", 90));
        Assert.Equal(["first:0:v", "first:1:v", "second:0:v"], Ids(await SearchAsync(api, SearchMode.Vector)));

        await worker.DeleteAsync("first", Ct);
        Assert.Equal(["second:0:v"], Ids(await SearchAsync(api, SearchMode.Vector)));
        Assert.Equal(["second:0:v"], Ids(await SearchAsync(api, SearchMode.Keyword, "otters")));
        Assert.Equal(1, api.LoadedChunks);

        await api.DeleteAsync("second", Ct);
        Assert.Empty(await SearchAsync(worker, SearchMode.Vector));
    }

    [Fact]
    public async Task AReaderBehindThePrunedChangeLog_ReloadsEverything()
    {
        var reader = _file.Open();
        var writer = _file.Open();
        await UpsertAsync(writer, "old", ("Beavers build dams.", 10));
        Assert.Single(await SearchAsync(reader, SearchMode.Vector));

        await UpsertAsync(writer, "new", ("Beavers fell trees.", 0));
        await writer.DeleteAsync("old", Ct);
        Assert.Equal(2, await ExecuteAsync("DELETE FROM search_changes WHERE generation < (SELECT MAX(generation) FROM search_changes)"));

        Assert.Equal(["new:0:v"], Ids(await SearchAsync(reader, SearchMode.Vector)));
        Assert.Equal(1, reader.LoadedChunks);
    }

    [Fact]
    public async Task AFileThatWentBackToAnOlderGeneration_IsReloaded()
    {
        var index = _file.Open();
        await UpsertAsync(index, "doc", ("Cormorants dry their wings.", 0));
        await UpsertAsync(index, "doc", ("Cormorants dive deep.", 0));
        Assert.Single(await SearchAsync(index, SearchMode.Vector));

        await ExecuteAsync("DELETE FROM search_chunks; DELETE FROM search_changes;");
        await UpsertAsync(_file.Open(), "other", ("Shags are smaller.", 10));

        Assert.Equal(["other:0:v"], Ids(await SearchAsync(index, SearchMode.Vector)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConcurrentSearches_NeverSeeHalfOfADocumentsReplacement(bool writerIsAnotherInstance)
    {
        const int chunks = 24;
        const int replacements = 30;
        var reader = _file.Open();
        var writer = writerIsAnotherInstance ? _file.Open() : reader;
        await writer.UpsertAsync(Tenant, "doc", MiniLm, Version("a", 0), Ct);
        Assert.Equal(chunks, (await SearchAsync(reader, SearchMode.Vector, k: 100)).Count);

        var done = 0;
        var inconsistencies = new List<string>();
        var searches = 0;
        async Task ReadAsync(SearchMode mode)
        {
            do
            {
                var hits = await SearchAsync(reader, mode, "kestrel", k: 100);
                Interlocked.Increment(ref searches);
                var versions = hits.Select(h => h.ChunkId.Split(':')[2]).Distinct().ToList();
                if (versions.Count != 1 || hits.Count != chunks)
                {
                    lock (inconsistencies)
                    {
                        inconsistencies.Add($"{mode}: {hits.Count} hits of versions {string.Join(", ", versions)}");
                    }
                }
            }
            while (Volatile.Read(ref done) == 0);
        }

        var readers = new[] { SearchMode.Vector, SearchMode.Keyword, SearchMode.Hybrid }.Select(m => Task.Run(() => ReadAsync(m), Ct)).ToList();
        for (var i = 1; i <= replacements; i++)
        {
            await writer.UpsertAsync(Tenant, "doc", MiniLm, Version(i % 2 == 0 ? "a" : "b", i), Ct);
        }

        Volatile.Write(ref done, 1);
        await Task.WhenAll(readers);

        Assert.Empty(inconsistencies);
        Assert.True(searches >= readers.Count);
        Assert.Equal(chunks, await reader.CountAsync("doc", Ct));

        static IndexedChunk[] Version(string version, int round) =>
        [
            .. Enumerable.Range(0, chunks).Select(i => new IndexedChunk(
                Chunk("doc", i, $"kestrel hovering {version} {i}", $"{version}{round}"), At((i * 3) + round))),
        ];
    }

    /// <summary>Changes the file behind the indexes' backs, as another program (or a restored backup) would.</summary>
    private async Task<int> ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_file.Path}");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync(Ct);
    }
}
