using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Internal.Stores;

/// <summary>
/// Group commit for a store's writes. Callers queue a unit of work; one thread of its own takes whatever is
/// waiting, runs each unit in a savepoint of one shared transaction, commits once, and only then completes
/// the callers. Under load a few hundred registrations cost one <c>fsync</c> instead of one each, and they no
/// longer queue on SQLite's write lock, whose busy handler sleeps on (and starves) thread-pool threads.
/// </summary>
/// <remarks>
/// A unit that throws is rolled back to its savepoint and fails alone; the rest of the batch commits. A commit
/// that fails fails the whole batch, so no caller is ever told "done" for a write that is not durable. The log is
/// checkpointed by a <see cref="WalCheckpointer"/>, not by the commits.
/// </remarks>
internal sealed class SqliteWriteQueue : IDisposable
{
    private const int MaxBatch = 256;

    private readonly Func<SqliteConnection> _open;
    private readonly string _name;
    private readonly Channel<IWork> _queue = Channel.CreateUnbounded<IWork>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _startLock = new();
    private readonly WalCheckpointer _checkpointer;
    private Thread? _thread;
    private long _batches;

    public SqliteWriteQueue(Func<SqliteConnection> open, string name)
    {
        _open = open;
        _name = name;
        _checkpointer = new WalCheckpointer(open, name + "-checkpoint");
    }

    private interface IWork
    {
        CancellationToken CancellationToken { get; }

        /// <summary>Runs inside the open transaction; returns the completion to run after the commit.</summary>
        Action Run(Statements statements);

        void Fail(Exception exception);

        void Cancel();
    }

    /// <summary>Checkpoints the queue's checkpointer has run so far.</summary>
    public long Checkpoints => _checkpointer.Checkpoints;

    /// <summary>Transactions committed so far.</summary>
    public long CommittedBatches => Interlocked.Read(ref _batches);

    /// <summary>Runs <paramref name="work"/> in the next group transaction and returns its result once that transaction is durable.</summary>
    /// <remarks>Work is not cancelled once queued; <paramref name="cancellationToken"/> ends the wait for it.</remarks>
    public Task<T> RunAsync<T>(Func<Statements, T> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        cancellationToken.ThrowIfCancellationRequested();
        EnsureStarted();
        var item = new Work<T>(work, cancellationToken);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(item), this);

        // A caller that gives up stops waiting; its write, once queued, may still commit (every write here is idempotent).
        return item.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        Thread? thread;
        lock (_startLock)
        {
            thread = _thread;
        }

        if (thread is not null && thread != Thread.CurrentThread)
        {
            thread.Join();
        }

        _checkpointer.Dispose();
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _thread) is not null)
        {
            return;
        }

        lock (_startLock)
        {
            if (_thread is null)
            {
                var thread = new Thread(Loop) { IsBackground = true, Name = _name };
                thread.Start();
                Volatile.Write(ref _thread, thread);
            }
        }
    }

    private void Loop()
    {
        var batch = new List<IWork>(MaxBatch);
        var completions = new List<Action>(MaxBatch);
        SqliteConnection? connection = null;
        Statements? statements = null;
        try
        {
            while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                {
                    if (item.CancellationToken.IsCancellationRequested)
                    {
                        item.Cancel();
                    }
                    else
                    {
                        batch.Add(item);
                    }
                }

                if (batch.Count == 0)
                {
                    continue;
                }

                try
                {
                    if (connection is null)
                    {
                        connection = _open();
                        WalCheckpointer.Prepare(connection);
                        statements = new Statements(connection);
                    }

                    RunBatch(statements!, batch, completions);
                    Interlocked.Increment(ref _batches);
                    _checkpointer.Committed(connection);
                    foreach (var complete in completions)
                    {
                        complete();
                    }
                }
                catch (Exception exception)
                {
                    foreach (var item in batch)
                    {
                        item.Fail(exception);
                    }

                    statements?.Dispose();
                    statements = null;
                    connection?.Dispose();
                    connection = null;
                }
                finally
                {
                    batch.Clear();
                    completions.Clear();
                }
            }
        }
        finally
        {
            statements?.Dispose();
            connection?.Dispose();
            while (_queue.Reader.TryRead(out var left))
            {
                left.Fail(new ObjectDisposedException(_name));
            }
        }
    }

    private static void RunBatch(Statements statements, List<IWork> batch, List<Action> completions)
    {
        statements.Execute("BEGIN IMMEDIATE");
        try
        {
            foreach (var item in batch)
            {
                statements.Execute("SAVEPOINT unit");
                try
                {
                    completions.Add(item.Run(statements));
                    statements.Execute("RELEASE unit");
                }
                catch (Exception exception)
                {
                    // Undo this unit only and let the others commit; if even that fails, the batch fails.
                    statements.Execute("ROLLBACK TO unit");
                    statements.Execute("RELEASE unit");
                    completions.Add(() => item.Fail(exception));
                }
            }

            statements.Execute("COMMIT");
        }
        catch
        {
            completions.Clear();
            if (!statements.Connection.AutoCommitOrClosed())
            {
                TryRollback(statements);
            }

            throw;
        }
    }

    private static void TryRollback(Statements statements)
    {
        try
        {
            statements.Execute("ROLLBACK");
        }
        catch (SqliteException)
        {
            // The transaction is gone already; the caller reports the original failure.
        }
    }

    private sealed class Work<T>(Func<Statements, T> work, CancellationToken cancellationToken) : IWork
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationToken CancellationToken => cancellationToken;

        public Task<T> Task => _completion.Task;

        public Action Run(Statements statements)
        {
            var result = work(statements);
            return () => _completion.TrySetResult(result);
        }

        public void Fail(Exception exception) => _completion.TrySetException(exception);

        public void Cancel() => _completion.TrySetCanceled(cancellationToken);
    }
}

internal static class SqliteConnectionState
{
    /// <summary>True when no transaction is open on the connection (or it is closed).</summary>
    public static bool AutoCommitOrClosed(this SqliteConnection connection)
        => connection.State != System.Data.ConnectionState.Open
           || SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;
}
