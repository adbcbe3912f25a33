using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;

namespace Sluice.Server.Webhooks;

/// <summary>
/// Turns the status change feed into webhook deliveries: reads every tenant's changes after its durable cursor, produces
/// one event per (subscription, change) on <see cref="Topics.WebhookDeliveries"/> (keyed by document id), and only then
/// advances the cursor, with a compare-and-set. Runs in the API process.
/// </summary>
/// <remarks>
/// <para>
/// At least once, never lost: a crash between the produce and the advance makes the next relay read the same changes and
/// produce the same deliveries again, with the same ids (<see cref="DeliveryId"/>), so a receiver sees a repeated
/// <c>webhook-id</c> and drops it, as Standard Webhooks asks receivers to. Two relays (two API processes) do the same:
/// duplicates with equal ids, and the cursor never moves backwards.
/// </para>
/// <para>
/// A subscription receives only changes after the feed position current when it was created
/// (<see cref="WebhookSubscription.StartsAfter"/>), never history.
/// </para>
/// </remarks>
public sealed class WebhookRelay(
    IWebhookStore store, IEventLog log, WebhookSubscriptionCache subscriptions, IOptions<WebhookOptions> options, TimeProvider time,
    ILogger<WebhookRelay> logger, IStatusChangeFeed? feed = null, StatusChangeSignal? signal = null) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The id of the delivery of the change at <paramref name="position"/> to <paramref name="subscriptionId"/>: the
    /// delivery event's id and its <c>webhook-id</c>, the same however often it is produced.
    /// </summary>
    public static string DeliveryId(string subscriptionId, long position)
        => "msg_" + Ids.Derive("webhook", subscriptionId, position.ToString(System.Globalization.CultureInfo.InvariantCulture));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (feed is null)
        {
            WebhookLog.NoFeed(logger);
            return;
        }

        await using var producer = log.CreateProducer();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Taken before the read: a change committed by this process meanwhile wakes the relay at once.
                var changed = signal?.Next;
                var read = await RelayOnceAsync(feed, producer, stoppingToken);
                failures = 0;
                if (read < options.Value.BatchSize)
                {
                    await WaitForChangesAsync(changed, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store or the log failing: nothing was skipped (the cursor did not move), so wait and read again.
                failures++;
                var delay = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, options.Value.PollInterval.Ticks << Math.Min(failures, 16)));
                WebhookLog.RelayFailed(logger, delay, ex);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Until this process records a change (<paramref name="changed"/>) or the poll interval has passed (changes
    /// recorded by other processes are found by polling).
    /// </summary>
    private async Task WaitForChangesAsync(Task? changed, CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(options.Value.PollInterval, time, wait.Token);
        await (changed is null ? delay : Task.WhenAny(changed, delay)).WaitAsync(stoppingToken);
        await wait.CancelAsync();
    }

    /// <summary>One round: the changes after the cursor, their deliveries produced, the cursor advanced. Returns the changes read.</summary>
    internal async Task<int> RelayOnceAsync(IStatusChangeFeed changeFeed, IEventProducer producer, CancellationToken cancellationToken)
    {
        var cursor = await store.ReadCursorAsync(cancellationToken);
        var changes = await changeFeed.ReadAsync(null, cursor, options.Value.BatchSize, null, cancellationToken);
        if (changes.Count == 0)
        {
            return 0;
        }

        var last = changes[^1].Position;
        var byTenant = await subscriptions.ForChangesThroughAsync(changeFeed, last, cancellationToken);
        var records = new List<OutgoingRecord>();
        foreach (var change in changes)
        {
            foreach (var subscription in byTenant[change.Tenant])
            {
                if (change.Position > subscription.StartsAfter && subscription.Events.Contains(change.Type, StringComparer.Ordinal))
                {
                    var envelope = EventEnvelope.Create(
                        Topics.WebhookDeliveries, change.Tenant, change.DocumentId, new WebhookDelivery(subscription.Id, change),
                        DeliveryId(subscription.Id, change.Position), change.At, revision: change.Revision);
                    records.Add(EventRecords.ToRecord(Topics.WebhookDeliveries, envelope));
                }
            }
        }

        if (records.Count > 0)
        {
            await producer.ProduceAsync(records, cancellationToken);
        }

        // Only after the log acknowledged every delivery: a crash before this line produces them again, with the same ids.
        if (!await store.TryAdvanceCursorAsync(cursor, last, cancellationToken))
        {
            WebhookLog.CursorMoved(logger, cursor);
        }
        else
        {
            WebhookLog.Relayed(logger, records.Count, last);
        }

        return changes.Count;
    }
}
