using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal;

/// <summary>
/// Checkpoints a WAL-mode file on a thread of its own, so that a group-commit writer never pays for copying the
/// log back into the database inside a commit its callers are waiting for.
/// </summary>
/// <remarks>
/// <para>
/// SQLite's default is an automatic checkpoint by whichever commit finds more than 1,000 pages in the log. Under
/// an upload burst that made one batch in every few wait for megabytes of page copies and a flush of the database
/// file: the acknowledgement p99 of a 200-client burst halved when the writer stopped checkpointing.
/// </para>
/// <para>
/// A writer calls <see cref="Prepare"/> on its connection, which raises its own automatic checkpoint to a backstop
/// (<see cref="BackstopPages"/>) that is reached only if this thread falls behind, and <see cref="Committed"/> after
/// each commit. This thread then runs a passive checkpoint at most every <see cref="Interval"/>, or back to back
/// while it is behind; passive checkpoints never block writers.
/// </para>
/// <para>
/// SQLite starts the log over from the beginning only when a checkpoint has copied all of it back. Under steady
/// writes this thread never quite gets there: the writer commits more while it copies. So once a checkpoint
/// leaves no more than <see cref="FinishPages"/> behind, the writer finishes the job itself after its next commit,
/// which costs it a few hundred pages at most, and the log restarts instead of growing to the backstop.
/// </para>
/// </remarks>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>Pages in the log past which the writer checkpoints itself after all (64 MiB with 4 KiB pages).</summary>
    public const int BackstopPages = 16_384;

    /// <summary>Pages left uncopied that the writer copies itself to let the log restart.</summary>
    public const int FinishPages = 512;

    /// <summary>The shortest time between two checkpoints.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly Func<SqliteConnection> _open;
    private readonly SemaphoreSlim _commits = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _checkpoints;
    private int _finishDue;

    public WalCheckpointer(Func<SqliteConnection> open, string name)
    {
        _open = open;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Checkpoints run so far.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Leaves checkpoints to this thread, with the writer's own only as a backstop.</summary>
    public static void Prepare(SqliteConnection writer)
    {
        using var command = writer.CreateCommand();
        command.CommandText = $"PRAGMA wal_autocheckpoint = {BackstopPages}";
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Tells the checkpointer that <paramref name="writer"/> has committed; finishes a checkpoint on it when that
    /// lets the log restart.
    /// </summary>
    public void Committed(SqliteConnection writer)
    {
        if (Interlocked.Exchange(ref _finishDue, 0) == 1)
        {
            try
            {
                Checkpoint(writer);
            }
            catch (SqliteException)
            {
                // The commit stands; the log restarts after a later checkpoint.
            }
        }

        try
        {
            _commits.Release();
        }
        catch (SemaphoreFullException)
        {
            // A checkpoint is due already.
        }
        catch (ObjectDisposedException)
        {
            // Shutting down: the file is checkpointed when its last connection closes.
        }
    }

    /// <summary>Runs a passive checkpoint; returns the pages in the log and how many of them are copied back.</summary>
    private static (int Log, int Copied) Checkpoint(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt32(1), reader.GetInt32(2)) : (0, 0);
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        if (_thread != Thread.CurrentThread)
        {
            _thread.Join();
        }

        _stop.Dispose();
        _commits.Dispose();
    }

    private void Loop()
    {
        SqliteConnection? connection = null;
        try
        {
            while (true)
            {
                _commits.Wait(_stop.Token);
                try
                {
                    connection ??= _open();
                    var (log, copied) = Checkpoint(connection);
                    Interlocked.Increment(ref _checkpoints);
                    if (log - copied > FinishPages)
                    {
                        // Behind: go again as soon as there is a commit, without the pause.
                        continue;
                    }

                    if (log > FinishPages)
                    {
                        Volatile.Write(ref _finishDue, 1);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // A busy or failing checkpoint is retried after the next commit; the writer's backstop keeps
                    // the log bounded meanwhile. A broken connection is opened afresh.
                    connection?.Dispose();
                    connection = null;
                }

                _stop.Token.WaitHandle.WaitOne(Interval);
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
        finally
        {
            connection?.Dispose();
        }
    }
}
