namespace Sluice.Cli.Client;

/// <summary>
/// What <c>GET /v1/pipeline</c> answers (admins only): every stage's backlog and pace over the last
/// <see cref="IntervalSeconds"/>, the documents by state, and the documents in progress. <c>sluice top</c> shows it.
/// </summary>
internal sealed record PipelineSnapshot(
    DateTimeOffset At,
    double IntervalSeconds,
    List<StageSnapshot> Stages,
    Dictionary<string, long> Documents,
    List<DocumentInProgress> InProgress);

/// <summary>
/// One stage (its consumer group): records waiting (<see cref="Lag"/>) and how long the oldest has waited, records
/// finished per second, records in hand, records waiting on each retry tier, and dead letters parked.
/// </summary>
internal sealed record StageSnapshot(
    string Stage,
    string Group,
    long Lag,
    double? OldestAgeSeconds,
    double ThroughputPerSecond,
    long Running,
    Dictionary<string, long>? RetryWaiting,
    long DeadLetters,
    List<PartitionSnapshot>? Partitions);

/// <summary>One partition the stage consumes: its committed offset, the log's end, and the difference.</summary>
internal sealed record PartitionSnapshot(string Topic, int Partition, long? Committed, long End, long Lag);

/// <summary>A document not yet finished: where it is and, when the server can tell, when it should be done.</summary>
internal sealed record DocumentInProgress(
    string Id,
    string Tenant,
    string? FileName,
    string State,
    string? Stage,
    double? Progress,
    DateTimeOffset? EstimatedCompletionAt);
