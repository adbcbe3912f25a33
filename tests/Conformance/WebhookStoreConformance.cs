using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>
/// Behaviour every <see cref="IWebhookStore"/> must have. A fixture opens stores on an empty backend of the test's own;
/// each call of <see cref="CreateStoreAsync"/> is another process on the same backend.
/// </summary>
public abstract class WebhookStoreConformance
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<IWebhookStore> CreateStoreAsync(CancellationToken cancellationToken);

    [Fact]
    public async Task Create_ThenGet_KeepsEveryField_AndAnotherProcessSeesIt()
    {
        var store = await CreateStoreAsync(Ct);
        var subscription = Subscription("wh_1", "acme") with { Events = [StatusChangeTypes.Completed, StatusChangeTypes.Failed], StartsAfter = 42 };

        await store.CreateAsync(subscription, Ct);

        var found = await (await CreateStoreAsync(Ct)).GetAsync("acme", "wh_1", Ct);
        Assert.NotNull(found);
        Assert.Equal(("wh_1", "acme", "https://hooks.example.com/sluice?x=1"), (found.Id, found.Tenant, found.Url));
        Assert.Equal([StatusChangeTypes.Completed, StatusChangeTypes.Failed], found.Events);
        Assert.Equal(subscription.Secret, found.Secret);
        Assert.Equal(Now, found.CreatedAt);
        Assert.Equal(42, found.StartsAfter);
    }

    [Fact]
    public async Task Create_WithAnIdThatExists_Throws_AndKeepsTheFirst()
    {
        var store = await CreateStoreAsync(Ct);
        await store.CreateAsync(Subscription("wh_1", "acme"), Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CreateAsync(Subscription("wh_1", "evil") with { Url = "https://evil.example/" }, Ct));

        Assert.Equal("https://hooks.example.com/sluice?x=1", (await store.GetAsync("acme", "wh_1", Ct))!.Url);
        Assert.Null(await store.GetAsync("evil", "wh_1", Ct));
    }

    [Fact]
    public async Task List_ByTenant_OrAll_OldestFirst()
    {
        var store = await CreateStoreAsync(Ct);
        await store.CreateAsync(Subscription("wh_3", "acme") with { CreatedAt = Now.AddMinutes(2) }, Ct);
        await store.CreateAsync(Subscription("wh_1", "acme"), Ct);
        await store.CreateAsync(Subscription("wh_2", "other") with { CreatedAt = Now.AddMinutes(1) }, Ct);

        Assert.Equal(["wh_1", "wh_3"], (await store.ListAsync("acme", Ct)).Select(s => s.Id));
        Assert.Equal(["wh_1", "wh_2", "wh_3"], (await store.ListAsync(null, Ct)).Select(s => s.Id));
        Assert.Empty(await store.ListAsync("nobody", Ct));
    }

    [Fact]
    public async Task GetAndDelete_OfAnotherTenantsSubscription_FindNothing_AndLeaveIt()
    {
        var store = await CreateStoreAsync(Ct);
        await store.CreateAsync(Subscription("wh_1", "acme"), Ct);

        Assert.Null(await store.GetAsync("other", "wh_1", Ct));
        Assert.False(await store.DeleteAsync("other", "wh_1", Ct));
        Assert.NotNull(await store.GetAsync("acme", "wh_1", Ct));

        Assert.True(await store.DeleteAsync("acme", "wh_1", Ct));
        Assert.False(await store.DeleteAsync("acme", "wh_1", Ct));
        Assert.Null(await (await CreateStoreAsync(Ct)).GetAsync("acme", "wh_1", Ct));
        Assert.Empty(await store.ListAsync(null, Ct));
    }

    [Fact]
    public async Task Cursor_StartsAtZero_AndMovesOnlyForwardFromWhereTheCallerSawIt()
    {
        var store = await CreateStoreAsync(Ct);
        Assert.Equal(0, await store.ReadCursorAsync(Ct));

        Assert.True(await store.TryAdvanceCursorAsync(0, 10, Ct));
        Assert.False(await store.TryAdvanceCursorAsync(0, 5, Ct)); // stale: someone moved it already
        Assert.False(await store.TryAdvanceCursorAsync(10, 10, Ct)); // not ahead
        Assert.False(await store.TryAdvanceCursorAsync(10, 3, Ct)); // backwards
        Assert.Equal(10, await (await CreateStoreAsync(Ct)).ReadCursorAsync(Ct));

        Assert.True(await store.TryAdvanceCursorAsync(10, 25, Ct));
        Assert.Equal(25, await store.ReadCursorAsync(Ct));
    }

    [Fact]
    public async Task Cursor_TwoRelaysRacingFromTheSamePosition_OneWins_AndItNeverGoesBack()
    {
        var first = await CreateStoreAsync(Ct);
        var second = await CreateStoreAsync(Ct);
        await first.TryAdvanceCursorAsync(0, 100, Ct);

        for (var round = 0; round < 20; round++)
        {
            var at = await first.ReadCursorAsync(Ct);
            var results = await Task.WhenAll(
                first.TryAdvanceCursorAsync(at, at + 7, Ct),
                second.TryAdvanceCursorAsync(at, at + 3, Ct));

            Assert.Single(results, won => won);
            var now = await second.ReadCursorAsync(Ct);
            Assert.True(now is var n && (n == at + 7 || n == at + 3), $"cursor at {now} after a race from {at}");
        }
    }

    private static WebhookSubscription Subscription(string id, string tenant)
        => new(id, tenant, "https://hooks.example.com/sluice?x=1", StatusChangeTypes.All, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Now, 0);
}
