using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Server.Quotas;

namespace Sluice.Server.Tests.Quotas;

/// <summary>
/// Upload and search rate limits per tenant. The rates are tiny (one token per 1,000 s), so a bucket never refills
/// while a test runs: the tests count what the burst lets through, never wait for a refill.
/// </summary>
public sealed class RateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UploadsOverTheTenantsBurst_Get429WithRetryAfter_WhileAnotherTenantUploads()
    {
        await using var host = await QuotaTestKit.StartAsync(("Default:UploadsPerSecond", "0.001"), ("Default:UploadBurst", "2"));
        using var a = await TenantClient.ForAsync(host, "tenant-a");
        using var b = await TenantClient.ForAsync(host, "tenant-b");

        QuotaTestKit.AssertStatus(await a.UploadAsync(QuotaTestKit.Text(100, "a1")), HttpStatusCode.Accepted);
        QuotaTestKit.AssertStatus(await a.UploadAsync(QuotaTestKit.Text(100, "a2")), HttpStatusCode.Accepted);
        using var throttled = await a.UploadAsync(QuotaTestKit.Text(100, "a3"));

        var problem = await QuotaTestKit.ProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.Contains("tenant-a", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("Sluice:Quotas:Default:UploadsPerSecond", problem.Detail, StringComparison.Ordinal);
        var retryAfter = throttled.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1000));

        // Tenant B has a bucket of its own: A's flood costs it nothing.
        QuotaTestKit.AssertStatus(await b.UploadAsync(QuotaTestKit.Text(100, "b1")), HttpStatusCode.Accepted);
        QuotaTestKit.AssertStatus(await b.UploadAsync(QuotaTestKit.Text(100, "b2")), HttpStatusCode.Accepted);

        // The refused upload left nothing: A has its two documents.
        var statuses = host.Services.GetRequiredService<IStatusStore>();
        Assert.Equal(2, (await statuses.GetUsageAsync("tenant-a", Ct)).Documents);
        Assert.Equal(2, (await statuses.GetUsageAsync("tenant-b", Ct)).Documents);
    }

    [Fact]
    public async Task SearchesOverTheTenantsBurst_Get429WithRetryAfter_WithoutTouchingUploadsOrOtherTenants()
    {
        await using var host = await QuotaTestKit.StartAsync(("Default:SearchesPerSecond", "0.001"), ("Default:SearchBurst", "1"));
        using var a = await TenantClient.ForAsync(host, "tenant-a");
        using var b = await TenantClient.ForAsync(host, "tenant-b");

        QuotaTestKit.AssertStatus(await a.SearchAsync(), HttpStatusCode.OK);
        using var throttled = await a.SearchAsync();

        var problem = await QuotaTestKit.ProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.Contains("searches", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("Sluice:Quotas:Default:SearchesPerSecond", problem.Detail, StringComparison.Ordinal);
        Assert.True(throttled.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));

        QuotaTestKit.AssertStatus(await b.SearchAsync(), HttpStatusCode.OK);
        QuotaTestKit.AssertStatus(await a.UploadAsync(QuotaTestKit.Text(100, "a1")), HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task ATenantsOverride_ReplacesOnlyTheSettingsItNames()
    {
        await using var host = await QuotaTestKit.StartAsync(
            ("Default:UploadsPerSecond", "0.001"), ("Default:UploadBurst", "1"),
            ("Tenants:big:UploadBurst", "3"),
            ("Tenants:free:UploadsPerSecond", "0"));
        using var small = await TenantClient.ForAsync(host, "small");
        using var big = await TenantClient.ForAsync(host, "big");
        using var free = await TenantClient.ForAsync(host, "free");

        QuotaTestKit.AssertStatus(await small.UploadAsync(QuotaTestKit.Text(100, "s1")), HttpStatusCode.Accepted);
        QuotaTestKit.AssertStatus(await small.UploadAsync(QuotaTestKit.Text(100, "s2")), HttpStatusCode.TooManyRequests);

        for (var i = 0; i < 3; i++)
        {
            QuotaTestKit.AssertStatus(await big.UploadAsync(QuotaTestKit.Text(100, $"b{i}")), HttpStatusCode.Accepted);
        }

        // The rest of big's limits are the default's: still 1 per 1,000 s once its burst is spent.
        using var throttled = await big.UploadAsync(QuotaTestKit.Text(100, "b3"));
        var problem = await QuotaTestKit.ProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.Contains("Sluice:Quotas:Tenants:big:UploadsPerSecond", problem.Detail, StringComparison.Ordinal);

        for (var i = 0; i < 10; i++)
        {
            QuotaTestKit.AssertStatus(await free.UploadAsync(QuotaTestKit.Text(100, $"f{i}")), HttpStatusCode.Accepted);
        }
    }

    [Fact]
    public async Task WithoutSettings_NothingIsLimited()
    {
        await using var host = await QuotaTestKit.StartAsync();
        using var client = await TenantClient.ForAsync(host, "default");

        var uploads = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => client.UploadAsync(QuotaTestKit.Text(100, $"d{i}"))));
        var searches = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => client.SearchAsync()));

        Assert.All(uploads, r => QuotaTestKit.AssertStatus(r, HttpStatusCode.Accepted));
        Assert.All(searches, r => QuotaTestKit.AssertStatus(r, HttpStatusCode.OK));
    }

    [Theory]
    [InlineData("Default:UploadsPerSecond", "-1", "UploadsPerSecond")]
    [InlineData("Default:SearchBurst", "0", "SearchBurst")]
    [InlineData("Tenants:Not A Tenant:MaxDocuments", "5", "names no valid tenant")]
    [InlineData("Tenants:acme:MaxStoredBytes", "-5", "Tenants:acme")]
    public void InvalidSettings_AreRefused_SayingWhich(string key, string value, string expected)
    {
        using var host = SluiceApp.CreateWorkerBuilder([], new Dictionary<string, string?> { ["Sluice:Stages"] = "", ["Sluice:Quotas:" + key] = value }).Build();

        var failure = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<QuotaOptions>>().Value);

        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
    }
}
