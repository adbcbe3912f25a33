using System.ComponentModel.DataAnnotations;

namespace Sluice.Embedded;

/// <summary>Options of the embedded event log (<see cref="SqliteEventLog"/>).</summary>
public sealed class SqliteEventLogOptions
{
    /// <summary>Path of the SQLite database file; created when missing. Several processes may share it.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = string.Empty;

    /// <summary>Partition count of topics created without an explicit count (auto-created topics).</summary>
    [Range(1, 1024)]
    public int DefaultPartitions { get; set; } = 6;

    /// <summary>
    /// How long records are kept when the topic does not say otherwise. Records a consumer group of the topic has
    /// not read yet are kept past it (up to <see cref="MaxRetention"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "36500.00:00:00")]
    public TimeSpan DefaultRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The hard cap: records older than this are deleted even when a consumer group has not read them yet (each
    /// such deletion is logged as an error and raised as <see cref="SqliteEventLog.UnconsumedRecordsDeleted"/>).
    /// Null (the default) keeps unread records however old, so a stage that is down for longer than the topic's
    /// retention still finds its work when it comes back; set it when the disk matters more than the records.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "36500.00:00:00")]
    public TimeSpan? MaxRetention { get; set; }

    /// <summary>How often expired records are deleted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A group member that has not polled for this long loses its partitions.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a waiting poll re-checks the file for records written by other processes.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest record accepted (key, value and headers), like Kafka's <c>message.max.bytes</c>.</summary>
    [Range(1, 256 * 1024 * 1024)]
    public int MaxRecordBytes { get; set; } = 1024 * 1024;

    /// <summary>Creates unknown topics on first use with <see cref="DefaultPartitions"/>; otherwise using them fails.</summary>
    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>SQLite <c>synchronous</c> setting. <see cref="SqliteSynchronousMode.Full"/> makes every acknowledged produce survive a power loss.</summary>
    [EnumDataType(typeof(SqliteSynchronousMode))]
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>How long a statement waits for another connection's lock before failing (transiently).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Produce calls waiting for the writer; further callers wait for room.</summary>
    [Range(1, 1_000_000)]
    public int ProduceQueueCapacity { get; set; } = 10_000;
}

/// <summary>SQLite <c>PRAGMA synchronous</c> levels.</summary>
public enum SqliteSynchronousMode
{
    /// <summary>No fsync: fast, loses acknowledged records on power loss (not on a process crash).</summary>
    Off = 0,

    /// <summary>In WAL mode, fsync at checkpoints only: survives process crashes, may lose recent records on power loss.</summary>
    Normal = 1,

    /// <summary>fsync of the WAL at every commit: acknowledged records survive power loss.</summary>
    Full = 2,

    /// <summary>Like <see cref="Full"/>, also syncing the directory.</summary>
    Extra = 3,
}
