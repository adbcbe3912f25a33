using Microsoft.Extensions.Options;
using Npgsql;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Testing;

namespace Sluice.Postgres.Tests;

/// <summary>
/// The feed's ordering guarantee under concurrent writers: a reader that moved past a position never finds a smaller
/// one appear later, even when transactions commit in another order than they wrote.
/// </summary>
public sealed class PostgresStatusChangeFeedTests(PostgresServer server) : IAsyncDisposable
{
    private const long HoldLock = 4242;
    private readonly PostgresTestSchema _schema = new(server);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AChangeCommittedLate_IsNotSkipped_ByAReaderThatSawALaterCommit()
    {
        var database = await _schema.OpenAsync();
        var store = new PostgresStatusStore(database, Options.Create(await _schema.OptionsAsync()));
        await using var control = await database.OpenAsync(Ct);

        // The transaction recording document "slow" waits at its commit (a deferred trigger) while this connection
        // holds an advisory lock: it wrote its row first, and commits last.
        await ExecuteAsync(control, """
            CREATE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON status_changes DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW WHEN (NEW.document_id = 'slow') EXECUTE FUNCTION hold_commit();
            """);
        await ExecuteAsync(control, $"SELECT pg_advisory_lock({HoldLock})");
        var slow = store.RegisterAsync(Document("slow"), Ct);
        await WaitUntilBlockedAsync(control);

        await store.RegisterAsync(Document("fast"), Ct);

        // "fast" is committed and its row is in the table, behind a gap that "slow" will fill: the reader must not
        // move past that gap yet.
        Assert.Equal(["fast"], await DocumentsInTableAsync(control));
        Assert.Empty(await store.ReadAsync(null, 0, 100, cancellationToken: Ct));
        Assert.Equal(0, await store.LatestPositionAsync(Ct));

        await ExecuteAsync(control, $"SELECT pg_advisory_unlock({HoldLock})");
        await slow;
        await PostgresFeedSettling.SettleAsync(database, Ct);

        var changes = await store.ReadAsync(null, 0, 100, cancellationToken: Ct);
        Assert.Equal(["slow", "fast"], changes.Select(c => c.DocumentId));
        Assert.True(changes[0].Position < changes[1].Position);
        Assert.Equal(changes[1].Position, await store.LatestPositionAsync(Ct));
    }

    [Fact]
    public async Task AReaderFollowingConcurrentWriters_ReadsEveryChangeOnce_InTheFeedsOrder()
    {
        const int writers = 6;
        const int documentsPerWriter = 15;
        var database = await _schema.OpenAsync();
        var options = Options.Create(await _schema.OptionsAsync());
        var store = new PostgresStatusStore(database, options);

        var writing = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            // Each writer has a handle (and pool) of its own, as another process would.
            var own = new PostgresStatusStore(await _schema.OpenAsync(), options);
            for (var i = 0; i < documentsPerWriter; i++)
            {
                var id = $"w{w}-d{i}";
                await own.RegisterAsync(Document(id), Ct);
                await own.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", id, new StageStatusChanged("extract", StageState.Running, 1), $"{id}-run", DateTimeOffset.UtcNow), Ct);
            }
        }, Ct)).ToList();
        var all = Task.WhenAll(writing);

        // Follows the feed while the writers write; once they are done and every transaction of theirs is readable,
        // reads to the end.
        var followed = new List<StatusChange>();
        long after = 0;
        var settled = false;
        while (true)
        {
            var page = await store.ReadAsync(null, after, 7, cancellationToken: Ct);
            followed.AddRange(page);
            after = page.Count > 0 ? page[^1].Position : after;
            if (page.Count > 0)
            {
                continue;
            }

            if (settled)
            {
                break;
            }

            if (all.IsCompleted)
            {
                await all;
                await PostgresFeedSettling.SettleAsync(database, Ct);
                settled = true;
            }
        }

        var everything = await store.ReadAsync(null, 0, 10_000, cancellationToken: Ct);
        Assert.Equal(writers * documentsPerWriter * 2, everything.Count);
        Assert.Equal(everything.Select(c => c.Position), followed.Select(c => c.Position));
    }

    public ValueTask DisposeAsync() => _schema.DisposeAsync();

    private static DocumentRecord Document(string id)
        => new(id, "default", "a.txt", "text/plain", "text", new BlobReference($"blob:sha256:{id}", new string('a', 64), 1, "text/plain"), DateTimeOffset.UtcNow);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<List<string>> DocumentsInTableAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT document_id FROM status_changes ORDER BY position", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var ids = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Waits until a transaction waits for the advisory lock this test holds (it reached its commit).</summary>
    private static async Task WaitUntilBlockedAsync(NpgsqlConnection connection)
    {
        while (true)
        {
            await using var command = new NpgsqlCommand(
                $"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = {HoldLock} AND NOT granted)", connection);
            if ((bool)(await command.ExecuteScalarAsync(Ct))!)
            {
                return;
            }

            await Task.Delay(10, Ct);
        }
    }
}
