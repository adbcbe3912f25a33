namespace Sluice.Core.Ports;

/// <summary>
/// A tenant's webhook subscription: where the changes of its documents are POSTed, which kinds of change, and the
/// secret they are signed with.
/// </summary>
/// <param name="Id">The subscription's id, unique across tenants.</param>
/// <param name="Tenant">Whose documents' changes it receives.</param>
/// <param name="Url">The absolute http(s) URL deliveries are POSTed to.</param>
/// <param name="Events">The <see cref="StatusChangeTypes"/> it receives (never empty).</param>
/// <param name="Secret">The signing secret (<c>whsec_…</c>). Kept as given: signing needs it, so it cannot be hashed.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="StartsAfter">
/// The change feed's newest position when it was created: it receives only changes after it, never history.
/// </param>
public sealed record WebhookSubscription(
    string Id,
    string Tenant,
    string Url,
    IReadOnlyList<string> Events,
    string Secret,
    DateTimeOffset CreatedAt,
    long StartsAfter);

/// <summary>
/// Webhook subscriptions, and the durable cursor of the relay that turns the status change feed into deliveries. Lives
/// in the same database as the documents' status, on every adapter.
/// </summary>
public interface IWebhookStore
{
    /// <summary>Stores a new subscription. An id that exists already throws <see cref="InvalidOperationException"/>.</summary>
    Task CreateAsync(WebhookSubscription subscription, CancellationToken cancellationToken = default);

    /// <summary>A tenant's subscriptions, or every tenant's when <paramref name="tenant"/> is null, oldest first.</summary>
    Task<IReadOnlyList<WebhookSubscription>> ListAsync(string? tenant, CancellationToken cancellationToken = default);

    /// <summary>The tenant's subscription with that id, or null (also when it is another tenant's).</summary>
    Task<WebhookSubscription?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default);

    /// <summary>Deletes the tenant's subscription with that id; false when the tenant has none with that id.</summary>
    Task<bool> DeleteAsync(string tenant, string id, CancellationToken cancellationToken = default);

    /// <summary>The relay's cursor: the last change feed position it turned into deliveries (0 before the first).</summary>
    Task<long> ReadCursorAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the relay's cursor from <paramref name="expected"/> to <paramref name="next"/>, only if it is still at
    /// <paramref name="expected"/> and <paramref name="next"/> is ahead of it (compare-and-set): two relays never move it
    /// backwards. False when another relay moved it first (or <paramref name="next"/> is not ahead).
    /// </summary>
    Task<bool> TryAdvanceCursorAsync(long expected, long next, CancellationToken cancellationToken = default);
}
