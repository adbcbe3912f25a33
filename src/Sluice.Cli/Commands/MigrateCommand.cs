using System.CommandLine;
using System.Globalization;
using Sluice.Cli.Client;
using Microsoft.Extensions.Options;
using Npgsql;
using Sluice.Postgres;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice migrate</c>: applies the PostgreSQL schema's pending migrations, for operators who run them as a deployment
/// step and start the processes with <c>Sluice:Postgres:MigrateOnStart=false</c>. Reads the connection string from the
/// usual configuration (<c>Sluice__Postgres__ConnectionString</c>) unless <c>--connection</c> gives one.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var connection = new Option<string?>("--connection") { Description = "PostgreSQL connection string (default: Sluice:Postgres:ConnectionString)" };
        var command = new Command("migrate", "Apply the PostgreSQL schema's pending migrations") { connection };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(connection), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? connection, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var options = configuration.GetSection(PostgresOptions.Section).Get<PostgresOptions>() ?? new PostgresOptions();
        if (!string.IsNullOrWhiteSpace(connection))
        {
            options.ConnectionString = connection;
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new CliException("no connection string: pass --connection or set Sluice__Postgres__ConnectionString", 2);
        }

        await using var database = new PostgresDatabase(Options.Create(options));
        try
        {
            var before = await database.CurrentVersionAsync(cancellationToken);
            var applied = await database.MigrateAsync(cancellationToken);
            Console.WriteLine(applied.Count == 0
                ? $"schema {options.Schema}: at version {before}, nothing to apply"
                : $"schema {options.Schema}: version {before} → {PostgresDatabase.LatestVersion} (applied {string.Join(", ", applied.Select(v => v.ToString(CultureInfo.InvariantCulture)))})");
            return 0;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ArgumentException)
        {
            // Npgsql's messages name the host and the server's reason, never the password.
            throw new CliException($"could not migrate {Describe(options.ConnectionString)}: {ex.Message.Split('\n')[0]}", 1);
        }
    }

    private static string Describe(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
    }
}
