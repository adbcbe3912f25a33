using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>
/// Behaviour every <see cref="IApiKeyStore"/> must have. A fixture opens stores on an empty backend of the test's own;
/// each call of <see cref="CreateStoreAsync"/> is another process on the same backend.
/// </summary>
public abstract class ApiKeyStoreConformance
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<IApiKeyStore> CreateStoreAsync(CancellationToken cancellationToken);

    [Fact]
    public async Task Create_ThenFind_KeepsEveryField_AndAnotherProcessSeesIt()
    {
        var store = await CreateStoreAsync(Ct);
        var key = Key("k1", "acme", "writer", expires: Now.AddDays(30)) with { Name = "ci uploader" };

        await store.CreateAsync(key, Ct);

        var found = await (await CreateStoreAsync(Ct)).FindAsync("k1", Ct);
        Assert.NotNull(found);
        Assert.Equal(("k1", "acme", "writer", "ci uploader"), (found.Id, found.Tenant, found.Role, found.Name));
        Assert.Equal(key.SecretHash, found.SecretHash);
        Assert.Equal(Now, found.CreatedAt);
        Assert.Equal(Now.AddDays(30), found.ExpiresAt);
        Assert.Null(found.RevokedAt);
        Assert.Null(await store.FindAsync("k2", Ct));
    }

    [Fact]
    public async Task Create_WithAnIdThatExists_Throws_AndKeepsTheFirst()
    {
        var store = await CreateStoreAsync(Ct);
        await store.CreateAsync(Key("k1", "acme", "reader"), Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.CreateAsync(Key("k1", "evil", "admin"), Ct));

        Assert.Equal(("acme", "reader"), ((await store.FindAsync("k1", Ct))!.Tenant, (await store.FindAsync("k1", Ct))!.Role));
    }

    [Fact]
    public async Task List_ByTenant_OrAll_OldestFirst()
    {
        var store = await CreateStoreAsync(Ct);
        await store.CreateAsync(Key("k3", "acme", "reader") with { CreatedAt = Now.AddMinutes(2) }, Ct);
        await store.CreateAsync(Key("k1", "acme", "admin"), Ct);
        await store.CreateAsync(Key("k2", "other", "writer") with { CreatedAt = Now.AddMinutes(1) }, Ct);

        Assert.Equal(["k1", "k3"], (await store.ListAsync("acme", Ct)).Select(k => k.Id));
        Assert.Equal(["k1", "k2", "k3"], (await store.ListAsync(null, Ct)).Select(k => k.Id));
        Assert.Empty(await store.ListAsync("nobody", Ct));
    }

    [Fact]
    public async Task Revoke_MarksTheKey_OnceAndForAll_ForEveryProcess()
    {
        var store = await CreateStoreAsync(Ct);
        await store.CreateAsync(Key("k1", "acme", "writer"), Ct);
        var other = await CreateStoreAsync(Ct);

        Assert.True(await store.RevokeAsync("k1", Now.AddHours(1), Ct));
        Assert.True(await other.RevokeAsync("k1", Now.AddHours(2), Ct));

        Assert.Equal(Now.AddHours(1), (await other.FindAsync("k1", Ct))!.RevokedAt);
        Assert.False(await store.RevokeAsync("missing", Now, Ct));
    }

    [Fact]
    public async Task Any_IsFalseOnAnEmptyStore_AndStaysTrueOnceAKeyWasCreated_EvenRevoked()
    {
        var store = await CreateStoreAsync(Ct);
        Assert.False(await store.AnyAsync(Ct));

        await store.CreateAsync(Key("k1", "acme", "admin"), Ct);
        await store.RevokeAsync("k1", Now, Ct);

        Assert.True(await (await CreateStoreAsync(Ct)).AnyAsync(Ct));
    }

    private static ApiKey Key(string id, string tenant, string role, DateTimeOffset? expires = null)
        => new(id, tenant, role, null, System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id + tenant)), Now, expires, null);
}
