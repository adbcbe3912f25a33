using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>API keys (their ids and secret hashes) in the status database, <c>status.db</c>.</summary>
public sealed class SqliteApiKeyStore(IOptions<SqliteStoreOptions> options) : IApiKeyStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS api_keys (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            role TEXT NOT NULL,
            name TEXT,
            secret_sha256 BLOB NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT,
            revoked_at TEXT
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS api_keys_by_tenant ON api_keys (tenant, created_at);
        """;

    private const string Columns = "id, tenant, role, name, secret_sha256, created_at, expires_at, revoked_at";

    private readonly SqliteFile _file = new(options.Value.StatusPath, Schema);

    public async Task CreateAsync(ApiKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO api_keys ({Columns}) VALUES ($id, $tenant, $role, $name, $hash, $created, $expires, $revoked)";
        command.Parameters.AddWithValue("$id", key.Id);
        command.Parameters.AddWithValue("$tenant", key.Tenant);
        command.Parameters.AddWithValue("$role", key.Role);
        command.Parameters.AddWithValue("$name", (object?)key.Name ?? DBNull.Value);
        command.Parameters.AddWithValue("$hash", key.SecretHash);
        command.Parameters.AddWithValue("$created", Text(key.CreatedAt));
        command.Parameters.AddWithValue("$expires", key.ExpiresAt is { } e ? Text(e) : DBNull.Value);
        command.Parameters.AddWithValue("$revoked", key.RevokedAt is { } r ? Text(r) : DBNull.Value);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            throw new InvalidOperationException($"An API key with the id '{key.Id}' exists already.", ex);
        }
    }

    public async Task<ApiKey?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var found = await QueryAsync($"SELECT {Columns} FROM api_keys WHERE id = $p", id, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<ApiKey>> ListAsync(string? tenant = null, CancellationToken cancellationToken = default) => tenant is null
        ? QueryAsync($"SELECT {Columns} FROM api_keys ORDER BY created_at, id", null, cancellationToken)
        : QueryAsync($"SELECT {Columns} FROM api_keys WHERE tenant = $p ORDER BY created_at, id", tenant, cancellationToken);

    public async Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $at) WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$at", Text(at));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM api_keys)";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) != 0;
    }

    private async Task<IReadOnlyList<ApiKey>> QueryAsync(string sql, string? parameter, CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (parameter is not null)
        {
            command.Parameters.AddWithValue("$p", parameter);
        }

        var keys = new List<ApiKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new ApiKey(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                (byte[])reader.GetValue(4), Parse(reader.GetString(5)),
                reader.IsDBNull(6) ? null : Parse(reader.GetString(6)), reader.IsDBNull(7) ? null : Parse(reader.GetString(7))));
        }

        return keys;
    }

    private static string Text(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
