using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;

namespace Sluice.S3.Tests;

public sealed class AddSluiceS3Tests(S3Service s3)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheHost_CreatesTheBucketAtStart_AndServesTheS3StoreAsIBlobStore()
    {
        s3.Require();
        var bucket = $"sluice-created-{Guid.NewGuid():N}"[..30];
        using var host = Host(new()
        {
            ["Sluice:S3:ServiceUrl"] = s3.ServiceUrl,
            ["Sluice:S3:Region"] = s3.Region,
            ["Sluice:S3:Bucket"] = bucket,
            ["Sluice:S3:Prefix"] = "sluice/",
            ["Sluice:S3:AccessKey"] = s3.AccessKey,
            ["Sluice:S3:SecretKey"] = s3.SecretKey,
            ["Sluice:S3:CreateBucket"] = "true",
        });

        await host.StartAsync(Ct);
        var store = host.Services.GetRequiredService<IBlobStore>();
        var reference = await store.PutAsync(new MemoryStream([4, 5, 6]), "text/plain", cancellationToken: Ct);
        await using (var read = await store.OpenReadAsync(reference, Ct))
        {
            await read.CopyToAsync(Stream.Null, Ct);
        }

        Assert.IsType<S3BlobStore>(store);
        using var client = s3.Client();
        var objects = await client.ListObjectsV2Async(new() { BucketName = bucket }, Ct);
        Assert.Equal($"sluice/sha256/{reference.Sha256[..2]}/{reference.Sha256}", Assert.Single(objects.S3Objects).Key);
        await host.StopAsync(Ct);
        await client.DeleteObjectAsync(bucket, objects.S3Objects[0].Key, Ct);
        await client.DeleteBucketAsync(bucket, Ct);
    }

    [Theory]
    [InlineData("Bucket", "", "Bucket")]
    [InlineData("Prefix", "no-slash", "Prefix must be empty or end with '/'")]
    [InlineData("Prefix", "/rooted/", "Prefix must be empty or end with '/'")]
    [InlineData("ServiceUrl", "localhost:7480", "ServiceUrl must be an absolute http:// or https:// URL")]
    [InlineData("PartSize", "1048576", "PartSize")]
    [InlineData("SecretKey", "", "AccessKey and SecretKey go together")]
    public async Task BadSettings_StopTheHostFromStarting_WithTheSettingNamed(string setting, string value, string message)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sluice:S3:ServiceUrl"] = "http://127.0.0.1:7480",
            ["Sluice:S3:Bucket"] = "blobs",
            ["Sluice:S3:AccessKey"] = "access",
            ["Sluice:S3:SecretKey"] = "very-secret",
        };
        settings["Sluice:S3:" + setting] = value;
        using var host = Host(settings);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheOptions_PrintWithoutTheSecret_AndGoPathStyleOnlyForAServiceUrl()
    {
        var options = new S3BlobStoreOptions { Bucket = "blobs", AccessKey = "AKIA", SecretKey = "very-secret", ServiceUrl = "http://127.0.0.1:7480" };

        Assert.DoesNotContain("very-secret", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("AKIA", options.ToString(), StringComparison.Ordinal);
        Assert.True(options.UsesPathStyle);
        Assert.False(new S3BlobStoreOptions { Bucket = "blobs" }.UsesPathStyle);
        Assert.False(new S3BlobStoreOptions { Bucket = "blobs", ServiceUrl = "https://s3.example", ForcePathStyle = false }.UsesPathStyle);
    }

    private static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSluiceS3();
        return builder.Build();
    }
}
