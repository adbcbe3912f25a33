using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Sluice.Postgres.Internal;

/// <summary>
/// Versioned schema migrations: the SQL files embedded from <c>Migrations/NNNN_name.sql</c>, applied in order, each in
/// its own transaction together with its row in <c>schema_version</c>. A transaction-level advisory lock serialises
/// processes that start together: the second one waits, then finds the version applied and skips it.
/// </summary>
/// <remarks>
/// Plain SQL files and forty lines instead of a migration library: Evolve and FluentMigrator bring their own
/// provider layers and logging for what is here an ordered list of scripts under one lock.
/// </remarks>
internal sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, string schema, ILogger<SchemaMigrator> logger)
{
    /// <summary>An arbitrary constant that names Sluice's migration lock among the database's advisory locks.</summary>
    private const long LockKey = 0x5_11CE_0001;

    private static readonly IReadOnlyList<Migration> All = Load();

    public static int Latest => All[^1].Version;

    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<int>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var migration in All)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey})", cancellationToken);
            await ExecuteAsync(connection, transaction, $"""
                CREATE SCHEMA IF NOT EXISTS {schema};
                CREATE TABLE IF NOT EXISTS {schema}.schema_version (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);
            await using (var check = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {schema}.schema_version WHERE version = $1)", connection, transaction))
            {
                check.Parameters.AddWithValue(migration.Version);
                if ((bool)(await check.ExecuteScalarAsync(cancellationToken))!)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    continue;
                }
            }

            await ExecuteAsync(connection, transaction, $"SET LOCAL search_path TO {schema}, public", cancellationToken);
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            await using (var record = new NpgsqlCommand($"INSERT INTO {schema}.schema_version (version, name) VALUES ($1, $2)", connection, transaction))
            {
                record.Parameters.AddWithValue(migration.Version);
                record.Parameters.AddWithValue(migration.Name);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            LogApplied(logger, migration.Version, migration.Name, schema);
            applied.Add(migration.Version);
        }

        // Types created by a migration (the vector extension's) are loaded on connections opened from now on.
        if (applied.Count > 0)
        {
            await connection.ReloadTypesAsync(cancellationToken);
        }

        return applied;
    }

    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand($"SELECT to_regclass('{schema}.schema_version') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                return 0;
            }
        }

        await using var command = new NpgsqlCommand($"SELECT COALESCE(max(version), 0) FROM {schema}.schema_version", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task CheckCurrentAsync(CancellationToken cancellationToken)
    {
        var current = await CurrentVersionAsync(cancellationToken);
        if (current < Latest)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL schema '{schema}' is at version {current} and this build needs {Latest}: run 'sluice migrate' "
                + "(or set Sluice:Postgres:MigrateOnStart=true).");
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> Load()
    {
        const string prefix = "Sluice.Postgres.Migrations.";
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var name = Path.GetFileNameWithoutExtension(resource[prefix.Length..]);
            var separator = name.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(name.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(version, name[(separator + 1)..], reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migration versions must run 1, 2, 3… without gaps; found {migrations[i].Version} at position {i + 1}.");
            }
        }

        return migrations;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied PostgreSQL migration {Version} ({Name}) to schema {Schema}.")]
    private static partial void LogApplied(ILogger logger, int version, string name, string schema);

    private sealed record Migration(int Version, string Name, string Sql);
}
