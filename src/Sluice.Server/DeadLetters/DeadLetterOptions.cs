using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.DeadLetters;

/// <summary>The <c>Sluice:DeadLetters</c> section: replays and upkeep of the dead-letter store.</summary>
public sealed class DeadLetterOptions
{
    public const string Section = "Sluice:DeadLetters";

    /// <summary>
    /// Replay requests that may wait for the replay rate (<see cref="SluiceOptions.ReplaysPerSecond"/>); one more
    /// is answered <c>429</c> with <c>Retry-After</c> instead of queueing without bound. A bulk replay job takes one
    /// place while it waits.
    /// </summary>
    [Range(0, 100_000)]
    public int ReplayQueueLimit { get; set; } = 100;

    /// <summary>
    /// A dead letter still <c>replaying</c> after this long belongs to a replay whose process died between the state
    /// change and the end of the publish: it goes back to <c>parked</c>, to be replayed again. Must be well above
    /// the event log's longest publish (Kafka's <c>DeliveryTimeout</c>, 30 s by default).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan StaleReplayAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Replayed dead letters are deleted from the store this long after their replay. Parked ones are kept until replayed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "36500.00:00:00")]
    public TimeSpan KeepReplayedFor { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often stale replays are returned to <c>parked</c> and old replayed dead letters pruned (also once at start).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a finished bulk replay job stays readable at its URL (jobs live in the memory of the API process that runs them).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan KeepFinishedJobsFor { get; set; } = TimeSpan.FromHours(1);
}
