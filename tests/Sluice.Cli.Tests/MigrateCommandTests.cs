using Npgsql;
using Sluice.Testing;

[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Sluice.Cli.Tests;

public sealed class MigrateCommandTests(PostgresServer postgres)
{
    [Fact]
    public async Task Migrate_AppliesEveryVersionOnce_ThenHasNothingToApply()
    {
        var connection = await postgres.CreateDatabaseAsync();

        await using var first = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "migrate", "--connection", connection);
        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains("schema sluice: version 0 →", first.StandardOutput, StringComparison.Ordinal);

        await using var second = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), "migrate", "--connection", connection);
        Assert.True(second.ExitCode == 0, second.StandardError);
        Assert.Contains("nothing to apply", second.StandardOutput, StringComparison.Ordinal);

        await using var database = new NpgsqlConnection(connection);
        await database.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM sluice.schema_version", database);
        Assert.Equal(Sluice.Postgres.PostgresDatabase.LatestVersion, Convert.ToInt32(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Migrate_AgainstNoServer_ExitsWithOneLineReason_AndNoPassword()
    {
        await using var run = await SluiceProcess.RunAsync(
            TimeSpan.FromSeconds(60), "migrate", "--connection", "Host=127.0.0.1;Port=1;Username=u;Password=hunter2;Database=d;Timeout=2");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sluice: could not migrate u@127.0.0.1:1/d:", line, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", run.StandardError, StringComparison.Ordinal);
    }
}

public sealed class KeysOnPostgresTests(PostgresServer postgres)
{
    [Fact]
    public async Task Keys_WithPostgresStores_AreKeptInPostgres_WhereEveryApiProcessReadsThem()
    {
        var connection = await postgres.CreateDatabaseAsync();
        var environment = new Dictionary<string, string> { ["Sluice__Stores"] = "postgres", ["Sluice__Postgres__ConnectionString"] = connection };

        await using var created = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), environment, "keys", "create", "--tenant", "acme", "--role", "admin");
        Assert.True(created.ExitCode == 0, created.StandardError);
        var key = created.StandardOutput.Trim();
        await using var listed = await SluiceProcess.RunAsync(TimeSpan.FromSeconds(60), environment, "keys", "list");

        Assert.Contains(key.Substring(3, 12), listed.StandardOutput, StringComparison.Ordinal);
        await using var database = new NpgsqlConnection(connection);
        await database.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("SELECT tenant, role, octet_length(secret_sha256) FROM sluice.api_keys", database);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        Assert.Equal(("acme", "admin", 32), (reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
    }
}
