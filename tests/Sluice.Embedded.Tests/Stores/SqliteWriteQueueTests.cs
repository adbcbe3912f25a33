using Microsoft.Data.Sqlite;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded.Tests.Stores;

public sealed class SqliteWriteQueueTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "sluice-write-queue", Guid.NewGuid().ToString("N") + ".db");
    private readonly SqliteWriteQueue _queue;

    public SqliteWriteQueueTests()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        using (var connection = Open())
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER PRIMARY KEY)";
            create.ExecuteNonQuery();
        }

        _queue = new SqliteWriteQueue(Open, "test-writer");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_unit_that_throws_is_undone_and_fails_alone_while_the_rest_of_its_batch_commits()
    {
        var units = Enumerable.Range(0, 10).Select(i => _queue.RunAsync(db =>
        {
            db.Execute("INSERT INTO t (x) VALUES ($p0)", i);
            return i == 5 ? throw new InvalidOperationException("unit 5 is broken") : i;
        }, Ct)).ToList();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => units[5]);
        Assert.Equal("unit 5 is broken", failure.Message);
        foreach (var i in Enumerable.Range(0, 10).Where(i => i != 5))
        {
            Assert.Equal(i, await units[i]);
        }

        Assert.Equal([0, 1, 2, 3, 4, 6, 7, 8, 9], Rows());
    }

    [Fact]
    public async Task A_unit_breaking_a_constraint_fails_alone_and_the_queue_keeps_working()
    {
        await _queue.RunAsync(db => db.Execute("INSERT INTO t (x) VALUES (1)"), Ct);

        await Assert.ThrowsAsync<SqliteException>(() => _queue.RunAsync(db => db.Execute("INSERT INTO t (x) VALUES (1)"), Ct));
        Assert.Equal(1, await _queue.RunAsync(db => db.Execute("INSERT INTO t (x) VALUES (2)"), Ct));

        Assert.Equal([1, 2], Rows());
    }

    [Fact]
    public async Task Work_is_durable_before_its_task_completes_and_visible_to_other_connections()
    {
        await _queue.RunAsync(db => db.Execute("INSERT INTO t (x) VALUES (42)"), Ct);

        Assert.Equal([42], Rows());
    }

    [Fact]
    public async Task After_dispose_new_work_is_refused()
    {
        await _queue.RunAsync(db => db.Execute("INSERT INTO t (x) VALUES (7)"), Ct);
        _queue.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => _queue.RunAsync(db => 0, Ct));
    }

    public void Dispose()
    {
        _queue.Dispose();
        SqliteConnection.ClearAllPools();
        File.Delete(_path);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection($"Data Source={_path};Pooling=False");
        connection.Open();
        return connection;
    }

    private List<long> Rows()
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT x FROM t ORDER BY x";
        using var reader = select.ExecuteReader();
        var rows = new List<long>();
        while (reader.Read())
        {
            rows.Add(reader.GetInt64(0));
        }

        return rows;
    }
}
