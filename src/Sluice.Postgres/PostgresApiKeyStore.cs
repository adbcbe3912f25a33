using Npgsql;
using NpgsqlTypes;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>API keys (their ids and secret hashes), shared by every API process.</summary>
public sealed class PostgresApiKeyStore(PostgresDatabase database) : IApiKeyStore
{
    private const string Columns = "id, tenant, role, name, secret_sha256, created_at, expires_at, revoked_at";

    public async Task CreateAsync(ApiKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await Sql.Command(connection, null, $"INSERT INTO api_keys ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .With(key.Id).With(key.Tenant).With(key.Role).With(key.Name, NpgsqlDbType.Text).With(key.SecretHash).With(key.CreatedAt)
                .With(key.ExpiresAt, NpgsqlDbType.TimestampTz).With(key.RevokedAt, NpgsqlDbType.TimestampTz)
                .ExecuteAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidOperationException($"An API key with the id '{key.Id}' exists already.", ex);
        }
    }

    public async Task<ApiKey?> FindAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        var found = await QueryAsync($"SELECT {Columns} FROM api_keys WHERE id = $1", id, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public Task<IReadOnlyList<ApiKey>> ListAsync(string? tenant = null, CancellationToken cancellationToken = default) => tenant is null
        ? QueryAsync($"SELECT {Columns} FROM api_keys ORDER BY created_at, id", null, cancellationToken)
        : QueryAsync($"SELECT {Columns} FROM api_keys WHERE tenant = $1 ORDER BY created_at, id", tenant, cancellationToken);

    public async Task<bool> RevokeAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.Command(connection, null, "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
            .With(id).With(at).ExecuteAsync(cancellationToken) > 0;
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.Command(connection, null, "SELECT EXISTS (SELECT 1 FROM api_keys)").ScalarAsync<bool>(cancellationToken);
    }

    private async Task<IReadOnlyList<ApiKey>> QueryAsync(string sql, string? parameter, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, sql);
        if (parameter is not null)
        {
            command.With(parameter);
        }

        var keys = new List<ApiKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new ApiKey(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetTimeOrNull(6), reader.GetTimeOrNull(7)));
        }

        return keys;
    }
}
