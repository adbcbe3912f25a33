using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Tests.Quotas;

/// <summary>Storage caps per tenant: bytes and documents, refused before anything is registered or kept.</summary>
public sealed class StorageQuotaTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUploadOverTheByteQuota_Gets507_AndLeavesNoBlobAndNoDocument_WhileAnotherTenantUploads()
    {
        await using var host = await QuotaTestKit.StartAsync(("Default:MaxStoredBytes", "1000"));
        using var a = await TenantClient.ForAsync(host, "tenant-a");
        using var b = await TenantClient.ForAsync(host, "tenant-b");
        var first = QuotaTestKit.Text(600, "a1");
        var second = QuotaTestKit.Text(600, "a2");

        QuotaTestKit.AssertStatus(await a.UploadAsync(first), HttpStatusCode.Accepted);
        using var refused = await a.UploadAsync(second);

        var problem = await QuotaTestKit.ProblemAsync(refused, HttpStatusCode.InsufficientStorage);
        Assert.Equal("Storage quota reached", problem.Title);
        Assert.Contains("stores 600 of its 1,000 bytes", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("Sluice:Quotas:Default:MaxStoredBytes", problem.Detail, StringComparison.Ordinal);
        await AssertNothingKeptAsync(host, "tenant-a", second, new TenantUsage(1, 600));

        // The same bytes again add nothing: the existing document, as without a quota.
        QuotaTestKit.AssertStatus(await a.UploadAsync(first), HttpStatusCode.OK);

        // Tenant B's quota is its own.
        QuotaTestKit.AssertStatus(await b.UploadAsync(second), HttpStatusCode.Accepted);
    }

    [Theory]
    [InlineData(1_500)] // declared length within the multipart allowance: refused once its size is known
    [InlineData(200_000)] // declared length far over the quota: refused before the body is read
    public async Task AnUploadLargerThanTheWholeQuota_Gets413_AndLeavesNothing(int size)
    {
        await using var host = await QuotaTestKit.StartAsync(("Default:MaxStoredBytes", "1000"));
        using var a = await TenantClient.ForAsync(host, "tenant-a");
        var text = QuotaTestKit.Text(size, "huge");

        using var refused = await a.UploadAsync(text);

        var problem = await QuotaTestKit.ProblemAsync(refused, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("1,000 bytes", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("Sluice:Quotas:Default:MaxStoredBytes", problem.Detail, StringComparison.Ordinal);
        await AssertNothingKeptAsync(host, "tenant-a", text, new TenantUsage(0, 0));
    }

    [Fact]
    public async Task AnUploadOverTheDocumentQuota_Gets507_UntilADocumentIsDeleted()
    {
        await using var host = await QuotaTestKit.StartAsync(("Default:MaxDocuments", "2"), ("Tenants:tenant-b:MaxDocuments", "3"));
        using var a = await TenantClient.ForAsync(host, "tenant-a");
        using var b = await TenantClient.ForAsync(host, "tenant-b");
        using var kept = await a.UploadAsync(QuotaTestKit.Text(100, "a1"));
        QuotaTestKit.AssertStatus(kept, HttpStatusCode.Accepted);
        QuotaTestKit.AssertStatus(await a.UploadAsync(QuotaTestKit.Text(100, "a2")), HttpStatusCode.Accepted);
        var third = QuotaTestKit.Text(100, "a3");

        using var refused = await a.UploadAsync(third);

        var problem = await QuotaTestKit.ProblemAsync(refused, HttpStatusCode.InsufficientStorage);
        Assert.Equal("Document quota reached", problem.Title);
        Assert.Contains("has 2 documents, the most it may have is 2", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("Sluice:Quotas:Default:MaxDocuments", problem.Detail, StringComparison.Ordinal);
        await AssertNothingKeptAsync(host, "tenant-a", third, new TenantUsage(2, 200));

        // Tenant B's override gives it three.
        for (var i = 0; i < 3; i++)
        {
            QuotaTestKit.AssertStatus(await b.UploadAsync(QuotaTestKit.Text(100, $"b{i}")), HttpStatusCode.Accepted);
        }

        var overB = await QuotaTestKit.ProblemAsync(await b.UploadAsync(QuotaTestKit.Text(100, "b3")), HttpStatusCode.InsufficientStorage);
        Assert.Contains("Sluice:Quotas:Tenants:tenant-b:MaxDocuments", overB.Detail, StringComparison.Ordinal);

        // A deletion frees its place.
        using var deleted = await a.DeleteAsync(kept.Headers.Location, Ct);
        QuotaTestKit.AssertStatus(deleted, HttpStatusCode.NoContent);
        QuotaTestKit.AssertStatus(await a.UploadAsync(third), HttpStatusCode.Accepted);
    }

    /// <summary>Neither the upload's bytes nor a document for it, and the tenant's usage is <paramref name="usage"/>.</summary>
    private static async Task AssertNothingKeptAsync(SluiceTestHost host, string tenant, string content, TenantUsage usage)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var blobs = host.Services.GetRequiredService<IBlobStore>();
        var statuses = host.Services.GetRequiredService<IStatusStore>();

        Assert.False(await blobs.ExistsAsync(new BlobReference(BlobAddress.Shared(sha).Uri, sha, bytes.Length, "text/plain"), Ct));
        Assert.Null(await statuses.GetAsync(Ids.Document(tenant, sha), Ct));
        Assert.Equal(usage, await statuses.GetUsageAsync(tenant, Ct));
    }
}
