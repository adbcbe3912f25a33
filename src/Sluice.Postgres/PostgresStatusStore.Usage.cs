using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>A tenant's usage, for storage quotas.</summary>
public sealed partial class PostgresStatusStore
{
    /// <summary>The usage query; its conditions are the partial index <c>documents_by_tenant</c>'s.</summary>
    internal const string UsageSql = """
        SELECT count(*), COALESCE(sum((source->>'size')::bigint), 0)::bigint
        FROM documents WHERE tenant = $1 AND deleted_at IS NULL
        """;

    /// <inheritdoc />
    /// <remarks>Reads the partial index <c>documents_by_tenant</c> (live documents by tenant): the tenant's rows only.</remarks>
    public async Task<TenantUsage> GetUsageAsync(string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, UsageSql).With(tenant);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new TenantUsage(reader.GetInt64(0), reader.GetInt64(1));
    }
}
