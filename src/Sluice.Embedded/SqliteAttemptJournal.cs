using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// The attempt journal in SQLite (<c>attempts.db</c> beside the other stores), shared by the processes of one machine.
/// A start is one row naming the record and the process that started it (host, process id and the process's own start
/// time, so a reused process id is not mistaken for the same process); finishing the record deletes its rows. A start
/// whose process is gone never finished: its process died. Rows older than <see cref="MaxAge"/> are swept (a record
/// that is never delivered again leaves nothing behind for long), so the table holds about one row per record in
/// flight.
/// </summary>
/// <remarks>
/// Writes are group-committed on one thread of the store's own, with <c>synchronous=NORMAL</c>: a committed start
/// survives the death of the process (what the journal is for) without an <c>fsync</c> per record. A start by another
/// host (a container sharing the data directory) cannot be checked and counts as dead once it is left behind.
/// </remarks>
public sealed class SqliteAttemptJournal : IAttemptJournal, IDisposable
{
    /// <summary>Starts older than this are forgotten whatever became of them.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(7);

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS attempt_starts (
            grp TEXT NOT NULL,
            topic TEXT NOT NULL,
            part INTEGER NOT NULL,
            off INTEGER NOT NULL,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            process_started_ms INTEGER NOT NULL,
            started_ms INTEGER NOT NULL,
            alone INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS attempt_starts_record ON attempt_starts (grp, topic, part, off);
        CREATE INDEX IF NOT EXISTS attempt_starts_age ON attempt_starts (started_ms);
        """;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);

    private readonly SqliteWriteQueue _writes;
    private readonly TimeProvider _time;
    private readonly ProcessIdentity _self;
    private long _lastSweepMs = long.MinValue;

    public SqliteAttemptJournal(IOptions<SqliteStoreOptions> options, TimeProvider? time = null)
        : this(options, time, ProcessIdentity.Current)
    {
    }

    internal SqliteAttemptJournal(IOptions<SqliteStoreOptions> options, TimeProvider? time, ProcessIdentity self)
    {
        ArgumentNullException.ThrowIfNull(options);
        var file = new SqliteFile(options.Value.AttemptsPath, Schema, synchronous: SqliteSynchronousMode.Normal);
        _writes = new SqliteWriteQueue(file.Open, "sluice-attempts-writer");
        _time = time ?? TimeProvider.System;
        _self = self;
    }

    public Task<AttemptHistory> BeginAsync(AttemptKey record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return _writes.RunAsync(db => Begin(db, record, now), cancellationToken);
    }

    public Task MarkAloneAsync(AttemptKey record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _writes.RunAsync(
            db => db.Execute(
                "UPDATE attempt_starts SET alone = 1 WHERE grp = $p0 AND topic = $p1 AND part = $p2 AND off = $p3 AND host = $p4 AND pid = $p5 AND process_started_ms = $p6",
                record.Group, record.Topic, record.Partition, record.Offset, _self.Host, _self.ProcessId, _self.StartedMs),
            cancellationToken);
    }

    public Task EndAsync(AttemptKey record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return _writes.RunAsync(
            db => db.Execute(
                "DELETE FROM attempt_starts WHERE grp = $p0 AND topic = $p1 AND part = $p2 AND off = $p3",
                record.Group, record.Topic, record.Partition, record.Offset),
            cancellationToken);
    }

    public void Dispose() => _writes.Dispose();

    private AttemptHistory Begin(Statements db, AttemptKey record, long now)
    {
        if (now - _lastSweepMs >= SweepInterval.TotalMilliseconds)
        {
            db.Execute("DELETE FROM attempt_starts WHERE started_ms < $p0", now - (long)MaxAge.TotalMilliseconds);
            _lastSweepMs = now;
        }

        var earlier = new List<(ProcessIdentity Process, bool Alone)>();
        var select = db.Get("SELECT host, pid, process_started_ms, alone FROM attempt_starts WHERE grp = $p0 AND topic = $p1 AND part = $p2 AND off = $p3");
        select.Parameters.AddWithValue("$p0", record.Group);
        select.Parameters.AddWithValue("$p1", record.Topic);
        select.Parameters.AddWithValue("$p2", record.Partition);
        select.Parameters.AddWithValue("$p3", record.Offset);
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                earlier.Add((new ProcessIdentity(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2)), reader.GetInt64(3) == 1));
            }
        }

        db.Execute(
            "INSERT INTO attempt_starts (grp, topic, part, off, host, pid, process_started_ms, started_ms) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7)",
            record.Group, record.Topic, record.Partition, record.Offset, _self.Host, _self.ProcessId, _self.StartedMs, now);
        var dead = earlier.Where(start => !start.Process.IsAlive(_self)).ToList();
        return new AttemptHistory(dead.Count, dead.Count(start => start.Alone));
    }

    /// <summary>A process, told apart from a later one that got the same id by its start time.</summary>
    internal sealed record ProcessIdentity(string Host, int ProcessId, long StartedMs)
    {
        public static ProcessIdentity Current { get; } = Create();

        /// <summary>Whether this process still runs, as far as <paramref name="self"/> (on its host) can tell.</summary>
        public bool IsAlive(ProcessIdentity self)
        {
            if (this == self)
            {
                return true;
            }

            if (Host != self.Host)
            {
                return false;
            }

            try
            {
                using var process = Process.GetProcessById(ProcessId);
                return !process.HasExited && Math.Abs(StartOf(process) - StartedMs) < 1000;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }

        public static ProcessIdentity Of(Process process) => new(Environment.MachineName, process.Id, StartOf(process));

        private static ProcessIdentity Create()
        {
            using var process = Process.GetCurrentProcess();
            return Of(process);
        }

        private static long StartOf(Process process) => new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();
    }
}
