namespace Sluice.Core.Ports;

/// <summary>
/// API keys as stored: never the key itself, only its public id (the part of the key that names it) and the SHA-256
/// of its secret part. A key's role is its name as written (<c>reader</c>, <c>writer</c>, <c>admin</c>); the host
/// decides what each role may do.
/// </summary>
/// <param name="Id">The key's public id, unique (the key's text starts with it, so a request's key is found by it).</param>
/// <param name="Tenant">The tenant the key acts for.</param>
/// <param name="Role">What the key may do.</param>
/// <param name="Name">A label for people (who or what holds the key), optional.</param>
/// <param name="SecretHash">SHA-256 of the key's secret part.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ExpiresAt">When it stops working, if ever.</param>
/// <param name="RevokedAt">When it was revoked, if it was.</param>
public sealed record ApiKey(
    string Id,
    string Tenant,
    string Role,
    string? Name,
    byte[] SecretHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? RevokedAt);

/// <summary>Where API keys live: in the same database as the documents' status, on every adapter.</summary>
public interface IApiKeyStore
{
    /// <summary>Stores a new key. An id that exists already throws <see cref="InvalidOperationException"/>.</summary>
    Task CreateAsync(ApiKey key, CancellationToken cancellationToken = default);

    /// <summary>The key with that id (revoked and expired ones too), or null.</summary>
    Task<ApiKey?> FindAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every key, or a tenant's, oldest first (revoked and expired ones too).</summary>
    Task<IReadOnlyList<ApiKey>> ListAsync(string? tenant = null, CancellationToken cancellationToken = default);

    /// <summary>Revokes a key from <paramref name="at"/>. False when there is no such key; revoking twice keeps the first time.</summary>
    Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Whether any key was ever created (revoked ones count): from then on, the API requires authentication.</summary>
    Task<bool> AnyAsync(CancellationToken cancellationToken = default);
}
