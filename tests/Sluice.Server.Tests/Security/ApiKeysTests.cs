using Microsoft.Extensions.Options;
using Sluice.Embedded;
using Sluice.Server.Security;

namespace Sluice.Server.Tests.Security;

public sealed class ApiKeysTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-keys-" + Guid.NewGuid().ToString("N"));
    private readonly ManualClock _clock = new(Start);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void AKey_IsPrefixed_HasTheIdAndA256BitSecret_AndParsesBackToTheStoredHash()
    {
        var (text, id, hash) = ApiKeyText.Generate();
        var (other, _, _) = ApiKeyText.Generate();

        Assert.StartsWith("sk_" + id + "_", text, StringComparison.Ordinal);
        Assert.Equal(ApiKeyText.Length, text.Length);
        Assert.NotEqual(text, other);
        Assert.True(ApiKeyText.TryParse(text, out var parsedId, out var parsedHash));
        Assert.Equal(id, parsedId);
        Assert.Equal(hash, parsedHash);
        Assert.False(ApiKeyText.TryParse(text[..^1], out _, out _));
        Assert.False(ApiKeyText.TryParse(text.Replace("sk_", "pk_", StringComparison.Ordinal), out _, out _));
    }

    [Fact]
    public async Task OnlyTheHashIsStored_NeverTheKey()
    {
        var keys = Keys();
        var (key, text) = await keys.CreateAsync("acme", SluiceRole.Writer, "ci", null, Ct);

        // The database and its write-ahead log, where fresh rows are.
        var file = Directory.EnumerateFiles(_directory, "status.db*").SelectMany(File.ReadAllBytes).ToArray();
        var secret = text[(text.LastIndexOf('_') + 1)..];
        Assert.Equal(-1, IndexOf(file, System.Text.Encoding.UTF8.GetBytes(secret)));
        Assert.NotEqual(-1, IndexOf(file, System.Text.Encoding.UTF8.GetBytes(key.Id)));
    }

    [Fact]
    public async Task AWrongSecret_ForAKnownId_IsRefused()
    {
        var keys = Keys();
        var (_, text) = await keys.CreateAsync("acme", SluiceRole.Admin, null, null, Ct);
        var tampered = text[..^1] + (text[^1] == 'A' ? 'B' : 'A');

        Assert.IsType<KeyCheck.Valid>(await keys.CheckAsync(text, Ct));
        Assert.Equal("The API key is not known.", Assert.IsType<KeyCheck.Invalid>(await keys.CheckAsync(tampered, Ct)).Reason);
    }

    [Fact]
    public async Task ARevocation_ByAnotherProcess_TakesEffectWithinTheCacheTime()
    {
        var api = Keys();
        var cli = Keys();
        var (key, text) = await cli.CreateAsync("acme", SluiceRole.Writer, null, null, Ct);
        Assert.IsType<KeyCheck.Valid>(await api.CheckAsync(text, Ct));

        await cli.RevokeAsync(key.Id, Ct);
        _clock.Advance(TimeSpan.FromSeconds(4));
        var cached = await api.CheckAsync(text, Ct);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var after = await api.CheckAsync(text, Ct);

        Assert.IsType<KeyCheck.Valid>(cached); // what the process read is trusted for at most KeyCacheTtl (5 s)
        Assert.Contains("revoked", Assert.IsType<KeyCheck.Invalid>(after).Reason, StringComparison.Ordinal);
        Assert.IsType<KeyCheck.Invalid>(await cli.CheckAsync(text, Ct)); // the revoking process at once
    }

    [Fact]
    public async Task AnExpiredKey_IsRefused_FromItsExpiry()
    {
        var keys = Keys();
        var (_, text) = await keys.CreateAsync("acme", SluiceRole.Reader, null, Start.AddHours(1), Ct);

        var before = await keys.CheckAsync(text, Ct);
        _clock.Advance(TimeSpan.FromHours(1));

        Assert.IsType<KeyCheck.Valid>(before);
        Assert.Contains("expired", Assert.IsType<KeyCheck.Invalid>(await keys.CheckAsync(text, Ct)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheFirstKey_EndsOpenMode_ForEveryProcess_WithinTheCacheTime()
    {
        var api = Keys();
        Assert.False(await api.AnyAsync(Ct));

        await Keys().CreateAsync("acme", SluiceRole.Admin, null, null, Ct);
        _clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(await api.AnyAsync(Ct));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private ApiKeys Keys()
    {
        Directory.CreateDirectory(_directory);
        var store = new SqliteApiKeyStore(Options.Create(new SqliteStoreOptions { StatusPath = Path.Combine(_directory, "status.db") }));
        return new ApiKeys(store, Options.Create(new AuthOptions()), _clock);
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
