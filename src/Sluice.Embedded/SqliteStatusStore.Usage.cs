using System.Globalization;
using Sluice.Core.Ports;

namespace Sluice.Embedded;

/// <summary>A tenant's usage, for storage quotas.</summary>
public sealed partial class SqliteStatusStore
{
    /// <summary>The usage query; its conditions and expression are those of the partial index <c>documents_usage</c>.</summary>
    internal const string UsageSql = """
        SELECT COUNT(*), COALESCE(SUM(json_extract(source_json, '$.size')), 0)
        FROM documents WHERE tenant = $tenant AND deleted_at IS NULL
        """;

    /// <inheritdoc />
    /// <remarks>Answered from the covering partial index <c>documents_usage</c>: the tenant's live rows only.</remarks>
    public async Task<TenantUsage> GetUsageAsync(string tenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = UsageSql;
        command.Parameters.AddWithValue("$tenant", tenant);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new TenantUsage(reader.GetInt64(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
    }
}
