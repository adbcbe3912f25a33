namespace Sluice.Server.Webhooks;

/// <summary>
/// The webhooks' log lines. They name deliveries and subscriptions by id, never by URL (a URL may carry a token) and
/// never with a secret or a signature.
/// </summary>
internal static partial class WebhookLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook delivery {DeliveryId} delivered to subscription {SubscriptionId}: {Status} at attempt {Attempt}.")]
    public static partial void Delivered(ILogger logger, string deliveryId, string subscriptionId, int status, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} not delivered at attempt {Attempt}: {Reason}.")]
    public static partial void NotDelivered(ILogger logger, string deliveryId, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook delivery {DeliveryId} skipped: subscription {SubscriptionId} was deleted (or no longer wants this change).")]
    public static partial void SkippedDeleted(ILogger logger, string deliveryId, string subscriptionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook subscription {SubscriptionId} of tenant {Tenant} deleted: its receiver answered 410 Gone.")]
    public static partial void GoneDeleted(ILogger logger, string subscriptionId, string tenant);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook relay produced {Deliveries} deliveries for changes up to position {Position}.")]
    public static partial void Relayed(ILogger logger, int deliveries, long position);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook relay failed (it retries in {Delay}); no change is skipped.")]
    public static partial void RelayFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook relay is off: no status change feed is registered for the configured stores.")]
    public static partial void NoFeed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook relay cursor moved by another relay (expected {Expected}); reading again from where it is.")]
    public static partial void CursorMoved(ILogger logger, long expected);
}
