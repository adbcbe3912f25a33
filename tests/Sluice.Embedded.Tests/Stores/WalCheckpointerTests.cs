using Microsoft.Data.Sqlite;
using Sluice.Embedded.Internal;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded.Tests.Stores;

public sealed class WalCheckpointerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-wal", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnderSteadyWrites_TheLogIsCheckpointedAndRestarts_InsteadOfGrowingToTheBackstop()
    {
        // 24 MiB in 8 KiB rows from 16 writers that pause a little between writes, as uploads do: below the writer's
        // 64 MiB backstop, so only the checkpointer (and the writer finishing what it leaves) can keep the log small.
        var path = Path.Combine(_directory, "steady.db");
        var file = new SqliteFile(path, "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, data BLOB NOT NULL);");
        long checkpoints;
        using (var queue = new SqliteWriteQueue(file.Open, "test-writer"))
        {
            var payload = new byte[8 * 1024];
            await Task.WhenAll(Enumerable.Range(0, 16).Select(writer => Task.Run(async () =>
            {
                for (var i = 0; i < 192; i++)
                {
                    await queue.RunAsync(db => db.Execute("INSERT INTO rows (data) VALUES ($p0)", payload), Ct);
                    await Task.Delay(5, Ct);
                }
            }, Ct)));

            checkpoints = queue.Checkpoints;
            Assert.Equal(16 * 192, Count(path));
        }

        Assert.True(checkpoints > 0, "the checkpointer never ran");
        var wal = new FileInfo(path + "-wal");
        var high = wal.Exists ? wal.Length : 0;
        Assert.True(high < 12L * 1024 * 1024, $"the log grew to {high / 1024 / 1024} MiB for 24 MiB written");
    }

    [Fact]
    public void Prepare_LeavesTheWriterOnlyABackstop()
    {
        Directory.CreateDirectory(_directory);
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_directory, "prepare.db")};Pooling=False");
        connection.Open();

        WalCheckpointer.Prepare(connection);

        using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA wal_autocheckpoint";
        Assert.Equal((long)WalCheckpointer.BackstopPages, (long)read.ExecuteScalar()!);
    }

    private static long Count(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM rows";
        return (long)count.ExecuteScalar()!;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
