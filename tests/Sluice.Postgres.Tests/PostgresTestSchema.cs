using Microsoft.Extensions.Options;
using Sluice.Testing;

namespace Sluice.Postgres.Tests;

/// <summary>
/// A schema of its own for one test, in a database the test run's stores share (a schema is much cheaper to make than
/// a database). Every <see cref="OpenAsync"/> is a database handle with a pool of its own, as another process would have.
/// </summary>
internal sealed class PostgresTestSchema(PostgresServer server) : IAsyncDisposable
{
    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static string? _shared;

    private readonly string _schema = $"t_{Guid.NewGuid():N}";
    private readonly List<PostgresDatabase> _opened = [];

    public async Task<PostgresOptions> OptionsAsync(IReadOnlyList<string>? pipeline = null) => new()
    {
        ConnectionString = await SharedDatabaseAsync(),
        Schema = _schema,
        PipelineStages = [.. pipeline ?? PostgresTestSupport.Pipeline],
    };

    public async Task<PostgresDatabase> OpenAsync(IReadOnlyList<string>? pipeline = null)
    {
        var database = new PostgresDatabase(Options.Create(await OptionsAsync(pipeline)));
        _opened.Add(database);
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _opened)
        {
            await database.DisposeAsync();
        }
    }

    private async Task<string> SharedDatabaseAsync()
    {
        await SharedLock.WaitAsync();
        try
        {
            return _shared ??= await server.CreateDatabaseAsync($"sluice_stores_{Environment.ProcessId}");
        }
        finally
        {
            SharedLock.Release();
        }
    }
}
