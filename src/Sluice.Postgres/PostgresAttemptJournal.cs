using Npgsql;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>
/// The attempt journal in PostgreSQL, shared by every process of every host: a record that killed its process on one
/// host is recognised when it comes back on another. A process is alive while it holds a session advisory lock named by
/// a token of its own, on a connection it keeps for that: when the process dies, PostgreSQL ends the session and the
/// lock goes with it, so its starts count as deaths. (The embedded journal asks the operating system about a process id
/// instead, which only works on one machine.)
/// </summary>
/// <remarks>
/// A process whose lock connection broke (a network failure, a restarted server) looks dead to the others from then on:
/// it takes a new token on a new connection at its next call, and the records it had in flight each count one death
/// too many. Costs two round trips per record (begin and end).
/// </remarks>
public sealed class PostgresAttemptJournal(PostgresDatabase database, TimeProvider? timeProvider = null) : IAttemptJournal, IAsyncDisposable
{
    /// <summary>Starts older than this are forgotten whatever became of them.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(7);

    /// <summary>The first key of the processes' advisory locks (the second is the token).</summary>
    internal const int ProcessLockSpace = 0x511CF;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly SemaphoreSlim _lockGate = new(1, 1);
    private NpgsqlConnection? _lockConnection;
    private int _token;
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    public async Task<AttemptHistory> BeginAsync(AttemptKey record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var token = await TokenAsync(cancellationToken);
        var now = _time.GetUtcNow();
        var sweep = now - _lastSweep >= SweepInterval;
        var history = await Sql.InTransactionAsync(database, async (connection, transaction) =>
        {
            if (sweep)
            {
                await Sql.Command(connection, transaction, "DELETE FROM attempt_starts WHERE started_at < $1").With(now - MaxAge).ExecuteAsync(cancellationToken);
            }

            // Earlier starts whose process no longer holds its lock: their process died.
            var dead = 0;
            var deadAlone = 0;
            await using (var command = Sql.Command(connection, transaction, """
                SELECT s.alone FROM attempt_starts s
                WHERE s.grp = $1 AND s.topic = $2 AND s.part = $3 AND s.off = $4
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_locks l
                      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        AND l.classid = $5::oid AND l.objid = s.process_token::oid)
                """).With(record.Group).With(record.Topic).With(record.Partition).With(record.Offset).With(ProcessLockSpace))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    dead++;
                    deadAlone += reader.GetBoolean(0) ? 1 : 0;
                }
            }

            await Sql.Command(connection, transaction, """
                INSERT INTO attempt_starts (grp, topic, part, off, process_token, started_at) VALUES ($1, $2, $3, $4, $5, $6)
                """).With(record.Group).With(record.Topic).With(record.Partition).With(record.Offset).With(token).With(now)
                .ExecuteAsync(cancellationToken);
            return new AttemptHistory(dead, deadAlone);
        }, cancellationToken);
        if (sweep)
        {
            _lastSweep = now;
        }

        return history;
    }

    public async Task MarkAloneAsync(AttemptKey record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var token = await TokenAsync(cancellationToken);
        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.Command(connection, null, """
            UPDATE attempt_starts SET alone = true WHERE grp = $1 AND topic = $2 AND part = $3 AND off = $4 AND process_token = $5
            """).With(record.Group).With(record.Topic).With(record.Partition).With(record.Offset).With(token).ExecuteAsync(cancellationToken);
    }

    public async Task EndAsync(AttemptKey record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.Command(connection, null, "DELETE FROM attempt_starts WHERE grp = $1 AND topic = $2 AND part = $3 AND off = $4")
            .With(record.Group).With(record.Topic).With(record.Partition).With(record.Offset).ExecuteAsync(cancellationToken);
    }

    /// <summary>This process's token while it holds its lock (tests end the session behind it, as a death would).</summary>
    internal int? Token => _lockConnection is null ? null : _token;

    /// <summary>Releases this process's lock: from now on, its unfinished starts count as deaths.</summary>
    public async ValueTask DisposeAsync()
    {
        await _lockGate.WaitAsync();
        try
        {
            if (_lockConnection is not null)
            {
                // The connection goes back to the pool, whose session would keep a lock it still held.
                try
                {
                    await Sql.Command(_lockConnection, null, "SELECT pg_advisory_unlock($1, $2)").With(ProcessLockSpace).With(_token)
                        .ExecuteAsync(CancellationToken.None);
                }
                catch (NpgsqlException)
                {
                    // The session is gone already, and the lock with it.
                }

                await _lockConnection.DisposeAsync();
                _lockConnection = null;
            }
        }
        finally
        {
            _lockGate.Release();
        }
    }

    /// <summary>This process's token, once its lock is held on a live connection (taken again after the connection broke).</summary>
    private async Task<int> TokenAsync(CancellationToken cancellationToken)
    {
        await _lockGate.WaitAsync(cancellationToken);
        try
        {
            if (_lockConnection is { State: System.Data.ConnectionState.Open })
            {
                return _token;
            }

            if (_lockConnection is not null)
            {
                await _lockConnection.DisposeAsync();
                _lockConnection = null;
            }

            var connection = await database.OpenAsync(cancellationToken);
            try
            {
                while (true)
                {
                    // A random token; one another process holds already is drawn again.
                    var token = Random.Shared.Next(1, int.MaxValue);
                    if (await Sql.Command(connection, null, "SELECT pg_try_advisory_lock($1, $2)").With(ProcessLockSpace).With(token)
                            .ScalarAsync<bool>(cancellationToken))
                    {
                        (_lockConnection, _token) = (connection, token);
                        return token;
                    }
                }
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        }
        finally
        {
            _lockGate.Release();
        }
    }
}
