using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;

namespace Sluice.Kafka;

/// <summary>How the Kafka event log registers itself.</summary>
public static class KafkaServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="IEventLog"/> on Apache Kafka (<see cref="KafkaEventLog"/>), configured from <paramref name="settings"/>
    /// (the host's <c>Sluice:Kafka</c> section) and validated at start. Every key of the section with a dot in it
    /// (<c>security.protocol</c>) and every key under <c>Properties</c> is handed to librdkafka as it is, so SASL, TLS
    /// and client tuning need no option of their own.
    /// </summary>
    public static IServiceCollection AddSluiceKafka(this IServiceCollection services, IConfiguration settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddOptions<KafkaOptions>()
            .Bind(settings)
            .Configure(o =>
            {
                foreach (var entry in settings.GetChildren())
                {
                    if (entry.Key.Contains('.', StringComparison.Ordinal) && entry.Value is not null)
                    {
                        o.Properties[entry.Key] = entry.Value;
                    }
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(sp => new KafkaEventLog(sp.GetRequiredService<IOptions<KafkaOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IEventLog>(sp => sp.GetRequiredService<KafkaEventLog>());
        return services;
    }
}
