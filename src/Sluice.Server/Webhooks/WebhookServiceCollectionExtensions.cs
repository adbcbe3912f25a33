using Microsoft.Extensions.Options;
using Sluice.Core.Stages;
using Sluice.Server.Hosting;

namespace Sluice.Server.Webhooks;

public static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// What delivering webhooks needs in any process that runs the <c>webhooks</c> stage: <see cref="WebhookOptions"/>,
    /// the named <see cref="HttpClient"/> whose connections are checked against <see cref="WebhookAddresses"/>, and the
    /// stage itself.
    /// </summary>
    public static IServiceCollection AddSluiceWebhookDelivery(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(WebhookDeliveryStage.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => WebhookConnector.CreateHandler(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks))

            // The factory's own trace lines list every header, webhook-signature included (header redaction did not
            // reach them); the stage logs each delivery's outcome itself, by ids.
            .RemoveAllLoggers();
        services.AddSingleton<WebhookDeliveryStage>();
        services.AddKeyedSingleton<IStage>(StageNames.Webhooks, (sp, _) => sp.GetRequiredService<WebhookDeliveryStage>());
        return services;
    }

    /// <summary>The relay from the status change feed to <c>webhooks.deliveries</c>, for the API process.</summary>
    public static IServiceCollection AddSluiceWebhookRelay(this IServiceCollection services)
    {
        services.AddSingleton<WebhookSubscriptionCache>();
        services.AddSingleton<IHostedService>(sp => new StartAfterProvisioning(
            ActivatorUtilities.CreateInstance<WebhookRelay>(sp), sp.GetRequiredService<TopicProvisioner>()));
        return services;
    }
}
