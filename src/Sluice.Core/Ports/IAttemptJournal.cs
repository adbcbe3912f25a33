namespace Sluice.Core.Ports;

/// <summary>
/// Where the stage runtime notes that it starts handling a record and that it finished with it, so that a record
/// whose handling kills its process (a parser that overflows the stack, runs out of memory, or crashes native code)
/// is recognised when it comes back after the restart, instead of killing every process that picks it up. Keyed by
/// consumer group, topic, partition and offset: it works the same whichever event log delivers the record.
/// </summary>
public interface IAttemptJournal
{
    /// <summary>
    /// Notes that this process starts handling <paramref name="record"/>; returns how many earlier starts of it never
    /// finished because their process died (starts by processes still alive do not count), in all and while it ran
    /// alone. The note is durable against a crash of this process when the call returns.
    /// </summary>
    Task<AttemptHistory> BeginAsync(AttemptKey record, CancellationToken cancellationToken = default);

    /// <summary>Notes that this process's start of <paramref name="record"/> now runs alone (nothing else in flight in it).</summary>
    Task MarkAloneAsync(AttemptKey record, CancellationToken cancellationToken = default);

    /// <summary>The record is finished with (or handed back on shutdown): forgets every start of it.</summary>
    Task EndAsync(AttemptKey record, CancellationToken cancellationToken = default);
}

/// <summary>Earlier starts of a record whose process died: in all, and those during which it ran alone in its process.</summary>
public sealed record AttemptHistory(int Deaths, int DeathsAlone);

/// <summary>A record as one consumer group sees it.</summary>
public sealed record AttemptKey(string Group, string Topic, int Partition, long Offset)
{
    public override string ToString() => $"{Group}: {Topic}[{Partition}]@{Offset}";
}
