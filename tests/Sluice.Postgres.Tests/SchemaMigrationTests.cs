using Microsoft.Extensions.Options;
using Npgsql;
using Sluice.Testing;

namespace Sluice.Postgres.Tests;

public sealed class SchemaMigrationTests(PostgresServer server)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ProcessesStartingTogether_ApplyEachMigrationOnce()
    {
        var options = await server.OptionsAsync();
        var databases = Enumerable.Range(0, 6).Select(_ => new PostgresDatabase(Options.Create(options))).ToList();
        try
        {
            var applied = await Task.WhenAll(databases.Select(d => d.MigrateAsync(Ct)));

            // Every version was applied by exactly one of the six, and the table holds each version once.
            var all = applied.SelectMany(a => a).Order().ToList();
            Assert.Equal(Enumerable.Range(1, PostgresDatabase.LatestVersion), all);
            await using var connection = await databases[0].OpenAsync(Ct);
            await using var command = new NpgsqlCommand("SELECT array_agg(version ORDER BY version) FROM sluice.schema_version", connection);
            Assert.Equal(Enumerable.Range(1, PostgresDatabase.LatestVersion), (int[])(await command.ExecuteScalarAsync(Ct))!);
            Assert.Equal(PostgresDatabase.LatestVersion, await databases[3].CurrentVersionAsync(Ct));
        }
        finally
        {
            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task WithoutMigrateOnStart_AnOldSchemaIsRefused_UntilMigrated()
    {
        var options = await server.OptionsAsync(migrateOnStart: false);
        await using var database = new PostgresDatabase(Options.Create(options));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(async () => await database.OpenAsync(Ct));
        Assert.Contains("sluice migrate", refused.Message, StringComparison.Ordinal);
        Assert.Contains("version 0", refused.Message, StringComparison.Ordinal);

        await database.MigrateAsync(Ct);

        // The refusal is not remembered: the next open checks again and finds the schema current.
        await using var connection = await database.OpenAsync(Ct);
        Assert.Equal(System.Data.ConnectionState.Open, connection.State);
    }

    [Fact]
    public async Task MigratingAgain_AppliesNothing()
    {
        await using var database = await server.NewDatabaseAsync();
        Assert.NotEmpty(await database.MigrateAsync(Ct));
        Assert.Empty(await database.MigrateAsync(Ct));
    }
}
