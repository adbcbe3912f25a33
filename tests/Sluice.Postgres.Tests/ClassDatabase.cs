using Sluice.Testing;

namespace Sluice.Postgres.Tests;

/// <summary>
/// One migrated database for all the tests of a class (creating a database costs a few hundred milliseconds; the tests
/// of a class use ids of their own). Created on first use, so a class whose tests skip creates none.
/// </summary>
public sealed class ClassDatabase(PostgresServer server) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresDatabase? _database;

    public PostgresServer Server => server;

    /// <summary>The options the database was opened with (set by the first <see cref="GetAsync"/>).</summary>
    public PostgresOptions? Options { get; private set; }

    /// <summary>The class's database; skips the calling test when there is no server.</summary>
    public async Task<PostgresDatabase> GetAsync()
    {
        server.SkipIfUnavailable();
        await _gate.WaitAsync();
        try
        {
            if (_database is null)
            {
                Options = await server.OptionsAsync();
                var database = new PostgresDatabase(Microsoft.Extensions.Options.Options.Create(Options));
                await database.EnsureReadyAsync();
                _database = database;
            }

            return _database;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        _gate.Dispose();
    }
}
