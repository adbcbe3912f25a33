using Microsoft.Extensions.Options;
using Sluice.Core.Ports;

namespace Sluice.Server.Webhooks;

/// <summary>
/// The relay's view of every tenant's subscriptions, read once for many changes. A snapshot is valid for changes up to
/// the feed position read just before it was listed: a subscription created later starts after a position at least
/// that high (<see cref="WebhookSubscription.StartsAfter"/>), so the snapshot cannot miss one that wants those changes.
/// Changes past that position, or a snapshot older than <see cref="WebhookOptions.SubscriptionCacheTtl"/>, read it again.
/// </summary>
/// <remarks>
/// A plain time-to-live cache would not do: a subscription created after the cache was filled but before the feed was
/// read would silently miss its first changes. A deletion is seen within the time-to-live, and the delivery stage checks
/// the subscription again anyway.
/// </remarks>
public sealed class WebhookSubscriptionCache(IWebhookStore store, IOptions<WebhookOptions> options, TimeProvider time)
{
    private Snapshot? _current;

    /// <summary>Every subscription by tenant, complete for changes up to <paramref name="position"/>.</summary>
    public async Task<ILookup<string, WebhookSubscription>> ForChangesThroughAsync(IStatusChangeFeed feed, long position, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feed);
        var current = Volatile.Read(ref _current);
        if (current is not null && position <= current.ValidThrough && time.GetElapsedTime(current.LoadedAt) < options.Value.SubscriptionCacheTtl)
        {
            return current.ByTenant;
        }

        // The position first, the subscriptions second: that order is what makes the snapshot complete up to it.
        var validThrough = await feed.LatestPositionAsync(cancellationToken);
        var loadedAt = time.GetTimestamp();
        var all = await store.ListAsync(null, cancellationToken);
        var snapshot = new Snapshot(all.ToLookup(s => s.Tenant, StringComparer.Ordinal), validThrough, loadedAt);
        Volatile.Write(ref _current, snapshot);
        return snapshot.ByTenant;
    }

    private sealed record Snapshot(ILookup<string, WebhookSubscription> ByTenant, long ValidThrough, long LoadedAt);
}
