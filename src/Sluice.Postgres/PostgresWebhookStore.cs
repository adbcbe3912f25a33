using Npgsql;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>Webhook subscriptions and the relay's cursor, shared by every API process (migration 0008).</summary>
public sealed class PostgresWebhookStore(PostgresDatabase database) : IWebhookStore
{
    private const string Columns = "id, tenant, url, events, secret, created_at, starts_after";

    /// <summary>The one relay cursor's row, created by the migration at 0.</summary>
    private const string Relay = "relay";

    public async Task CreateAsync(WebhookSubscription subscription, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await Sql.Command(connection, null, $"INSERT INTO webhooks ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .With(subscription.Id).With(subscription.Tenant).With(subscription.Url).With(subscription.Events.ToArray())
                .With(subscription.Secret).With(subscription.CreatedAt).With(subscription.StartsAfter)
                .ExecuteAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidOperationException($"A webhook with the id '{subscription.Id}' exists already.", ex);
        }
    }

    public Task<IReadOnlyList<WebhookSubscription>> ListAsync(string? tenant, CancellationToken cancellationToken = default) => tenant is null
        ? QueryAsync($"SELECT {Columns} FROM webhooks ORDER BY created_at, id", [], cancellationToken)
        : QueryAsync($"SELECT {Columns} FROM webhooks WHERE tenant = $1 ORDER BY created_at, id", [tenant], cancellationToken);

    public async Task<WebhookSubscription?> GetAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(id);
        var found = await QueryAsync($"SELECT {Columns} FROM webhooks WHERE tenant = $1 AND id = $2", [tenant, id], cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<bool> DeleteAsync(string tenant, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.Command(connection, null, "DELETE FROM webhooks WHERE tenant = $1 AND id = $2")
            .With(tenant).With(id).ExecuteAsync(cancellationToken) > 0;
    }

    public async Task<long> ReadCursorAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.Command(connection, null, "SELECT COALESCE((SELECT position FROM webhook_cursor WHERE name = $1), 0::bigint)")
            .With(Relay).ScalarAsync<long>(cancellationToken);
    }

    public async Task<bool> TryAdvanceCursorAsync(long expected, long next, CancellationToken cancellationToken = default)
    {
        if (next <= expected)
        {
            return false;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await Sql.Command(connection, null, "UPDATE webhook_cursor SET position = $3 WHERE name = $1 AND position = $2")
            .With(Relay).With(expected).With(next).ExecuteAsync(cancellationToken) > 0;
    }

    private async Task<IReadOnlyList<WebhookSubscription>> QueryAsync(string sql, string[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, sql);
        foreach (var parameter in parameters)
        {
            command.With(parameter);
        }

        var subscriptions = new List<WebhookSubscription>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            subscriptions.Add(new WebhookSubscription(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt64(6)));
        }

        return subscriptions;
    }
}
