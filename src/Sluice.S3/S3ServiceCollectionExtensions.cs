using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.S3.Internal;

namespace Sluice.S3;

public static class S3ServiceCollectionExtensions
{
    /// <summary>
    /// The blob store on S3 (<see cref="S3BlobStore"/>) as <see cref="IBlobStore"/>, configured under
    /// <c>Sluice:S3</c> and validated when the host starts; with <see cref="S3BlobStoreOptions.CreateBucket"/> the
    /// bucket is created then too.
    /// </summary>
    public static IServiceCollection AddSluiceS3(this IServiceCollection services)
    {
        services.AddOptions<S3BlobStoreOptions>()
            .BindConfiguration(S3BlobStoreOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ReadinessSignals>();
        services.AddSingleton(sp => new S3BlobStore(
            sp.GetRequiredService<IOptions<S3BlobStoreOptions>>(),
            sp.GetRequiredService<ILogger<S3BlobStore>>(),
            sp.GetRequiredService<ReadinessSignals>(),
            sp.GetService<TimeProvider>()));
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<S3BlobStore>());
        services.AddSingleton<IStoreErrorClassifier, S3ErrorClassifier>();
        services.AddHostedService<S3BucketCreation>();
        return services;
    }
}
