using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>Webhook subscriptions and the relay's cursor in the status database, <c>status.db</c>.</summary>
public sealed class SqliteWebhookStore(IOptions<SqliteStoreOptions> options) : IWebhookStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS webhooks (
            id TEXT PRIMARY KEY,
            tenant TEXT NOT NULL,
            url TEXT NOT NULL,
            events TEXT NOT NULL,
            secret TEXT NOT NULL,
            created_at TEXT NOT NULL,
            starts_after INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS webhooks_by_tenant ON webhooks (tenant, created_at);
        CREATE TABLE IF NOT EXISTS webhook_cursor (
            name TEXT PRIMARY KEY,
            position INTEGER NOT NULL
        ) WITHOUT ROWID;
        INSERT OR IGNORE INTO webhook_cursor (name, position) VALUES ('relay', 0);
        """;

    private const string Columns = "id, tenant, url, events, secret, created_at, starts_after";

    /// <summary>The one relay cursor's row (created with the schema, at 0, so an advance is one conditional update).</summary>
    private const string Relay = "relay";

    private readonly SqliteFile _file = new(options.Value.StatusPath, Schema);

    public async Task CreateAsync(WebhookSubscription subscription, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO webhooks ({Columns}) VALUES ($id, $tenant, $url, $events, $secret, $created, $after)";
        command.Parameters.AddWithValue("$id", subscription.Id);
        command.Parameters.AddWithValue("$tenant", subscription.Tenant);
        command.Parameters.AddWithValue("$url", subscription.Url);
        command.Parameters.AddWithValue("$events", string.Join(',', subscription.Events));
        command.Parameters.AddWithValue("$secret", subscription.Secret);
        command.Parameters.AddWithValue("$created", subscription.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$after", subscription.StartsAfter);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            throw new InvalidOperationException($"A webhook with the id '{subscription.Id}' exists already.", ex);
        }
    }

    public Task<IReadOnlyList<WebhookSubscription>> ListAsync(string? tenant, CancellationToken cancellationToken = default) => tenant is null
        ? QueryAsync($"SELECT {Columns} FROM webhooks ORDER BY created_at, id", null, null, cancellationToken)
        : QueryAsync($"SELECT {Columns} FROM webhooks WHERE tenant = $tenant ORDER BY created_at, id", tenant, null, cancellationToken);

    public async Task<WebhookSubscription?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(id);
        var found = await QueryAsync($"SELECT {Columns} FROM webhooks WHERE tenant = $tenant AND id = $id", tenant, id, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<bool> DeleteAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM webhooks WHERE tenant = $tenant AND id = $id";
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<long> ReadCursorAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE((SELECT position FROM webhook_cursor WHERE name = $name), 0)";
        command.Parameters.AddWithValue("$name", Relay);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<bool> TryAdvanceCursorAsync(long expected, long next, CancellationToken cancellationToken = default)
    {
        if (next <= expected)
        {
            return false;
        }

        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE webhook_cursor SET position = $next WHERE name = $name AND position = $expected";
        command.Parameters.AddWithValue("$name", Relay);
        command.Parameters.AddWithValue("$expected", expected);
        command.Parameters.AddWithValue("$next", next);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private async Task<IReadOnlyList<WebhookSubscription>> QueryAsync(string sql, string? tenant, string? id, CancellationToken cancellationToken)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        if (tenant is not null)
        {
            command.Parameters.AddWithValue("$tenant", tenant);
        }

        if (id is not null)
        {
            command.Parameters.AddWithValue("$id", id);
        }

        var subscriptions = new List<WebhookSubscription>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            subscriptions.Add(new WebhookSubscription(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetString(4),
                DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind), reader.GetInt64(6)));
        }

        return subscriptions;
    }
}
