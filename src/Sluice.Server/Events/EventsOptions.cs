using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Events;

/// <summary>The <c>Sluice:Events</c> section: live status streams (server-sent events).</summary>
public sealed class EventsOptions
{
    public const string Section = "Sluice:Events";

    /// <summary>
    /// How often an open stream reads the change feed for news. Changes made by this process wake its streams at once;
    /// this bounds how late a change made by another process (another API host, a CLI) is seen.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A stream that sent nothing for this long sends a <c>keep-alive</c> event, so that proxies and load balancers do
    /// not close it as idle (most do after 30 to 60 seconds).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Changes read from the feed at once (a stream far behind catches up in batches of this size).</summary>
    [Range(1, 1_000)]
    public int BatchSize { get; set; } = 100;
}
