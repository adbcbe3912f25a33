using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Sluice.S3.Internal;

/// <summary>Creates the bucket when the host starts, if <see cref="S3BlobStoreOptions.CreateBucket"/> asks for it.</summary>
internal sealed class S3BucketCreation(S3BlobStore store, IOptions<S3BlobStoreOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
        => options.Value.CreateBucket ? store.CreateBucketAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
