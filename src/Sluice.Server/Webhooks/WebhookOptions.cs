using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Webhooks;

/// <summary><c>Sluice:Webhooks</c>: where webhooks may go, how long a receiver may take, and how many a tenant may have.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Sluice:Webhooks";

    /// <summary>
    /// Allows webhook URLs that resolve to loopback, private, link-local and other internal addresses (receivers on the
    /// same private network, tests on loopback). Off by default: a tenant could otherwise make Sluice call services
    /// that only Sluice's own network reaches. Cloud metadata endpoints stay refused either way.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Longest a receiver may take to answer one delivery (connecting included); past it the delivery is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most webhook subscriptions one tenant may have.</summary>
    [Range(1, 10_000)]
    public int MaxPerTenant { get; set; } = 25;

    /// <summary>Deliveries in flight at once in one process (the <c>webhooks</c> stage's parallelism).</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// Attempts a delivery gets when the receiver answers a client error (4xx other than 408, 410 and 429): it is
    /// retried through the retry tiers until then (a receiver being deployed may answer 404 for a moment), and
    /// dead-lettered at that attempt.
    /// </summary>
    [Range(1, 100)]
    public int ClientErrorAttempts { get; set; } = 3;

    /// <summary>How often the relay looks for new changes in the status change feed when it found none.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Changes the relay reads from the feed at once.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How long the relay trusts the subscriptions it read. Subscriptions created or deleted through this process are
    /// seen at once; through another API process, within this time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SubscriptionCacheTtl { get; set; } = TimeSpan.FromSeconds(5);
}
