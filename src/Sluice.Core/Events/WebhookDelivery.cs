using Sluice.Core.Ports;

namespace Sluice.Core.Events;

/// <summary>
/// The payload of a <see cref="Topics.WebhookDeliveries"/> event: one status change to deliver to one subscription. It
/// names the subscription instead of carrying its URL and secret, so no secret ever travels through the event log, and
/// a subscription deleted meanwhile is noticed when the delivery is handled.
/// </summary>
/// <param name="SubscriptionId">The subscription (of the envelope's tenant) to deliver to.</param>
/// <param name="Change">The change, as the status change feed recorded it.</param>
public sealed record WebhookDelivery(string SubscriptionId, StatusChange Change);
