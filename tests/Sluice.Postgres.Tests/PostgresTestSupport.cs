using Microsoft.Extensions.Options;
using Sluice.Testing;

[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Sluice.Postgres.Tests;

internal static class PostgresTestSupport
{
    public static readonly string[] Pipeline = ["extract", "chunk", "embed", "index", "summarize"];

    /// <summary>A database handle on a new empty database of the test run's server.</summary>
    public static async Task<PostgresDatabase> NewDatabaseAsync(this PostgresServer server, bool migrateOnStart = true)
        => new(Options.Create(await server.OptionsAsync(migrateOnStart)));

    public static async Task<PostgresOptions> OptionsAsync(this PostgresServer server, bool migrateOnStart = true) => new()
    {
        ConnectionString = await server.CreateDatabaseAsync(),
        MigrateOnStart = migrateOnStart,
        PipelineStages = Pipeline,
    };
}
