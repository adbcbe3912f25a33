using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;

namespace Sluice.Server.Security;

/// <summary>What checking a presented key found.</summary>
public abstract record KeyCheck
{
    private KeyCheck()
    {
    }

    public sealed record Valid(Caller Caller, string KeyId) : KeyCheck;

    public sealed record Invalid(string Reason) : KeyCheck;
}

/// <summary>
/// Creates, lists, revokes and checks API keys. What a process read about a key is trusted for
/// <see cref="AuthOptions.KeyCacheTtl"/>, so that a busy API does not query the store on every request, and a
/// revocation (made by any process, or by <c>sluice keys revoke</c> straight in the store) takes effect everywhere within that time.
/// </summary>
public sealed class ApiKeys(IApiKeyStore store, IOptions<AuthOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (ApiKey? Key, DateTimeOffset ReadAt)> _cache = new(StringComparer.Ordinal);
    private const int MaxCachedKeys = 10_000;
    // A reference, so that concurrent requests never read half of a write.
    private AnyKeys? _any;

    /// <summary>Creates a key and returns its text, which exists nowhere else: show it once.</summary>
    public async Task<(ApiKey Key, string Text)> CreateAsync(
        string tenant, SluiceRole role, string? name, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        if (!Tenants.IsValid(tenant))
        {
            throw new ArgumentException($"The tenant must be {Tenants.Rule}.", nameof(tenant));
        }

        var (text, id, hash) = ApiKeyText.Generate();
        var key = new ApiKey(id, tenant, Roles.Name(role), string.IsNullOrWhiteSpace(name) ? null : name.Trim(), hash, time.GetUtcNow(), expiresAt, null);
        await store.CreateAsync(key, cancellationToken);
        _any = new AnyKeys(true, time.GetUtcNow());
        return (key, text);
    }

    public Task<IReadOnlyList<ApiKey>> ListAsync(string? tenant, CancellationToken cancellationToken) => store.ListAsync(tenant, cancellationToken);

    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        var revoked = await store.RevokeAsync(id, time.GetUtcNow(), cancellationToken);
        _cache.TryRemove(id, out _);
        return revoked;
    }

    /// <summary>Whether any key was ever created; read again at most every <see cref="AuthOptions.KeyCacheTtl"/>.</summary>
    public async Task<bool> AnyAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_any is { } known && (known.Any || now - known.ReadAt < options.Value.KeyCacheTtl))
        {
            return known.Any;
        }

        var any = await store.AnyAsync(cancellationToken);
        _any = new AnyKeys(any, now);
        return any;
    }

    /// <summary><c>active</c>, <c>revoked</c> or <c>expired</c> at <paramref name="now"/>, as listings show a key.</summary>
    public static string State(ApiKey key, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.RevokedAt is not null ? "revoked" : key.ExpiresAt <= now ? "expired" : "active";
    }

    /// <summary>Checks a presented key: well formed, known, secret matching (in constant time), not revoked, not expired.</summary>
    public async Task<KeyCheck> CheckAsync(string text, CancellationToken cancellationToken)
    {
        if (!ApiKeyText.TryParse(text, out var id, out var hash))
        {
            return new KeyCheck.Invalid("The API key is malformed.");
        }

        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(id, out var cached) || now - cached.ReadAt >= options.Value.KeyCacheTtl)
        {
            if (_cache.Count >= MaxCachedKeys)
            {
                // Requests with made-up ids must not grow the cache without bound.
                _cache.Clear();
            }

            cached = (await store.FindAsync(id, cancellationToken), now);
            _cache[id] = cached;
        }

        if (cached.Key is not { } key || !ApiKeyText.Matches(hash, key.SecretHash))
        {
            return new KeyCheck.Invalid("The API key is not known.");
        }

        if (key.RevokedAt is { } revoked && revoked <= now)
        {
            return new KeyCheck.Invalid($"The API key {key.Id} was revoked.");
        }

        if (key.ExpiresAt is { } expires && expires <= now)
        {
            return new KeyCheck.Invalid($"The API key {key.Id} expired at {expires:O}.");
        }

        return Roles.TryParse(key.Role, out var role) && Tenants.IsValid(key.Tenant)
            ? new KeyCheck.Valid(new Caller(key.Tenant, role), key.Id)
            : new KeyCheck.Invalid($"The API key {key.Id} has no valid tenant or role.");
    }

    private sealed record AnyKeys(bool Any, DateTimeOffset ReadAt);
}
