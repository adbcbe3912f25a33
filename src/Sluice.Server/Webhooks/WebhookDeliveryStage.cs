using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Server.Webhooks;

/// <summary>
/// The <c>webhooks</c> stage: POSTs one delivery event to its subscription's URL, signed as Standard Webhooks says. It
/// runs in a consumer group of its own, beside the pipeline: a slow or dead receiver holds only its lanes
/// (<see cref="WebhookOptions.MaxConcurrency"/>), each for at most <see cref="WebhookOptions.Timeout"/>.
/// </summary>
/// <remarks>
/// What an answer means:
/// <list type="bullet">
/// <item>2xx: delivered.</item>
/// <item>410 Gone: the receiver says it will never want these again, as the standard suggests; the subscription is deleted
/// and the delivery ends without a dead letter.</item>
/// <item>no answer within the timeout, a connection failure, 408, 429 (its <c>Retry-After</c> honoured) and 5xx: transient,
/// retried through the stage's retry tiers and dead-lettered after the last.</item>
/// <item>any other status (other 4xx, and 3xx: redirects are not followed): retried like a transient failure up to
/// <see cref="WebhookOptions.ClientErrorAttempts"/> attempts (a receiver being deployed may answer 404 for a moment),
/// then dead-lettered.</item>
/// <item>a host that now resolves only to refused addresses: dead-lettered at once.</item>
/// </list>
/// A subscription deleted since the delivery was produced is skipped. Every attempt carries the same <c>webhook-id</c>
/// (the delivery event's id), so a receiver recognises a redelivery.
/// </remarks>
public sealed class WebhookDeliveryStage(
    IWebhookStore store, IHttpClientFactory clients, IOptions<WebhookOptions> options, TimeProvider time, ILogger<WebhookDeliveryStage> logger) : IStage
{
    /// <summary>The named <see cref="HttpClient"/> deliveries go through (<see cref="WebhookConnector"/>'s handler).</summary>
    public const string ClientName = "sluice-webhooks";

    /// <summary>Longest <c>Retry-After</c> honoured; a longer one waits this long (the retry tiers still apply).</summary>
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    public string Name => StageNames.Webhooks;

    public string InputTopic => Topics.WebhookDeliveries;

    public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var input = context.Input;
        var delivery = input.GetData<WebhookDelivery>();
        var subscription = await store.GetAsync(input.Tenant, delivery.SubscriptionId, cancellationToken);
        if (subscription is null || !subscription.Events.Contains(delivery.Change.Type, StringComparer.Ordinal))
        {
            WebhookLog.SkippedDeleted(logger, input.Id, delivery.SubscriptionId);
            return StageResult.Success();
        }

        var settings = options.Value;
        var body = WebhookPayload.From(delivery.Change).ToUtf8Json();
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("webhook-id", input.Id);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSecrets.Sign(subscription.Secret, input.Id, timestamp, body));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Sluice-Webhooks", "1"));

        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Failed(context, StageResult.Transient($"the receiver did not answer within {settings.Timeout.TotalSeconds:0.###} s (Sluice:Webhooks:Timeout)"));
        }
        catch (HttpRequestException ex) when (ex.InnerException is WebhookAddressRefusedException refused)
        {
            return Failed(context, StageResult.Permanent(refused.Message + "; webhooks go to public addresses only"));
        }
        catch (HttpRequestException ex)
        {
            return Failed(context, StageResult.Transient($"could not reach the receiver ({ex.HttpRequestError})"));
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                WebhookLog.Delivered(logger, input.Id, subscription.Id, status, context.Attempt);
                return StageResult.Success();
            }

            if (response.StatusCode == HttpStatusCode.Gone)
            {
                await store.DeleteAsync(subscription.Tenant, subscription.Id, cancellationToken);
                WebhookLog.GoneDeleted(logger, subscription.Id, subscription.Tenant);
                return StageResult.Success();
            }

            if (status is 408 or 429 or >= 500)
            {
                return Failed(context, StageResult.Transient($"the receiver answered {status}", retryAfter: RetryAfter(response)));
            }

            return context.Attempt < settings.ClientErrorAttempts
                ? Failed(context, StageResult.Transient($"the receiver answered {status}"))
                : Failed(context, StageResult.Permanent($"the receiver answered {status} (attempt {context.Attempt} of {settings.ClientErrorAttempts} for a client error)"));
        }
    }

    private StageResult Failed(StageContext context, StageResult result)
    {
        var reason = result switch
        {
            StageResult.TransientFailure t => t.Reason,
            StageResult.PermanentFailure p => p.Reason,
            _ => string.Empty,
        };
        WebhookLog.NotDelivered(logger, context.Input.Id, context.Attempt, reason);
        return result;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait is { } w && w > TimeSpan.Zero ? (w < MaxRetryAfter ? w : MaxRetryAfter) : null;
    }
}
