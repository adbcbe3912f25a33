using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>A tenant's usage, which storage quotas are checked against.</summary>
public abstract partial class StatusStoreConformance
{
    [Fact]
    public async Task Usage_CountsTheTenantsLiveDocumentsAndTheirUploadBytes_AndNoOtherTenants()
    {
        var store = await OpenStoreAsync();
        Assert.Equal(new TenantUsage(0, 0), await store.GetUsageAsync("tenant-a", Ct));

        await store.RegisterAsync(Document("a1", "tenant-a", source: Sized("a1", 1_000)), Ct);
        await store.RegisterAsync(Document("a2", "tenant-a", source: Sized("a2", 250)), Ct);
        await store.RegisterAsync(Document("b1", "tenant-b", source: Sized("b1", 7_000_000_000)), Ct);
        await store.RegisterAsync(Document("a1", "tenant-a", source: Sized("a1", 1_000)), Ct); // the same upload again

        Assert.Equal(new TenantUsage(2, 1_250), await store.GetUsageAsync("tenant-a", Ct));
        Assert.Equal(new TenantUsage(1, 7_000_000_000), await store.GetUsageAsync("tenant-b", Ct));
        Assert.Equal(new TenantUsage(0, 0), await store.GetUsageAsync("tenant-c", Ct));
    }

    [Fact]
    public async Task Usage_ForgetsDeletedDocuments_AndCountsOneUploadedAgain()
    {
        var store = await OpenStoreAsync();
        await store.RegisterAsync(Document("a1", "tenant-a", source: Sized("a1", 1_000)), Ct);
        await store.RegisterAsync(Document("a2", "tenant-a", source: Sized("a2", 250)), Ct);

        await store.DeleteAsync("a1", Ct);
        Assert.Equal(new TenantUsage(1, 250), await store.GetUsageAsync("tenant-a", Ct));

        await store.RegisterAsync(Document("a1", "tenant-a", source: Sized("a1", 1_000)), Ct);
        Assert.Equal(new TenantUsage(2, 1_250), await store.GetUsageAsync("tenant-a", Ct));

        // Another process sees the same.
        var other = await OpenStoreAsync();
        Assert.Equal(new TenantUsage(2, 1_250), await other.GetUsageAsync("tenant-a", Ct));
    }

    private static Sluice.Core.Events.BlobReference Sized(string name, long size) => Blob(name) with { Size = size };
}
