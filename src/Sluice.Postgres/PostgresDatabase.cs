using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>
/// The one <see cref="NpgsqlDataSource"/> of a process (Npgsql pools connections per data source and prepares statements
/// per physical connection), with pgvector's types mapped and Sluice's schema first on the search path. Every store opens
/// its connections here; the first open applies pending migrations (or checks that none is pending).
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly SchemaMigrator _migrator;
    private readonly bool _migrateOnStart;
    private readonly Lock _readyLock = new();
    private Task? _ready;

    public PostgresDatabase(IOptions<PostgresOptions> options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        Schema = value.Schema;
        var connection = new NpgsqlConnectionStringBuilder(value.ConnectionString)
        {
            SearchPath = $"{value.Schema},public",

            // Statements run again and again by the stores are prepared once per physical connection.
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
        };
        var builder = new NpgsqlDataSourceBuilder(connection.ConnectionString);
        builder.UseVector();
        builder.UseLoggerFactory(loggerFactory ?? NullLoggerFactory.Instance);
        _dataSource = builder.Build();
        _migrator = new SchemaMigrator(_dataSource, value.Schema, (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SchemaMigrator>());
        _migrateOnStart = value.MigrateOnStart;
    }

    /// <summary>The schema that holds Sluice's tables.</summary>
    public string Schema { get; }

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion => SchemaMigrator.Latest;

    /// <summary>Opens a pooled connection, once the schema is known to be current.</summary>
    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        await EnsureReadyAsync(cancellationToken);
        return await _dataSource.OpenConnectionAsync(cancellationToken);
    }

    /// <summary>Waits until migrations are applied (or checked); after a failure the next caller tries again.</summary>
    public Task EnsureReadyAsync(CancellationToken cancellationToken = default)
    {
        Task ready;
        lock (_readyLock)
        {
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                _ready = _migrateOnStart ? _migrator.MigrateAsync(CancellationToken.None) : _migrator.CheckCurrentAsync(CancellationToken.None);
            }

            ready = _ready;
        }

        return ready.IsCompletedSuccessfully ? Task.CompletedTask : ready.WaitAsync(cancellationToken);
    }

    /// <summary>Applies pending migrations now (<c>sluice migrate</c>); returns the versions applied.</summary>
    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default) => _migrator.MigrateAsync(cancellationToken);

    /// <summary>The schema version the database is at (0 when Sluice's schema is not there yet).</summary>
    public Task<int> CurrentVersionAsync(CancellationToken cancellationToken = default) => _migrator.CurrentVersionAsync(cancellationToken);

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
