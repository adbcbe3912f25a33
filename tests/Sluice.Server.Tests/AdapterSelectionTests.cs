using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sluice.Core.Deletion;
using Sluice.Core.Ports;
using Sluice.Embedded;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests;

/// <summary>
/// <c>Sluice:Stores</c>, <c>Sluice:Blobs</c> and <c>Sluice:Transport</c> pick the adapters; a value the host cannot serve
/// stops it at start with a one-line reason, never a silent fallback to another store.
/// </summary>
public sealed class AdapterSelectionTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TheDefaults_RegisterTheEmbeddedAdapters_AndEveryHostServiceResolves()
    {
        var builder = SluiceApp.CreateBuilder([], Settings());
        builder.Host.UseDefaultServiceProvider(o =>
        {
            o.ValidateOnBuild = true;
            o.ValidateScopes = true;
        });
        using var app = builder.Build();
        var services = app.Services;

        Assert.IsType<SqliteEventLog>(services.GetRequiredService<IEventLog>());
        Assert.IsType<FileBlobStore>(services.GetRequiredService<IBlobStore>());
        Assert.IsType<SqliteStatusStore>(services.GetRequiredService<IStatusStore>());
        Assert.IsType<SqliteChunkStore>(services.GetRequiredService<IChunkStore>());
        Assert.IsType<SqliteSummaryStore>(services.GetRequiredService<ISummaryStore>());
        Assert.IsType<SqliteDeadLetterStore>(services.GetRequiredService<IDeadLetterStore>());
        Assert.IsType<SqliteSearchIndex>(services.GetRequiredService<ISearchIndex>());
        Assert.IsType<SqliteLlmSummaryCache>(services.GetRequiredService<ILlmSummaryCache>());
        Assert.IsType<SqliteAttemptJournal>(services.GetRequiredService<IAttemptJournal>());
        Assert.IsType<SqliteDataEraser>(Assert.Single(services.GetServices<IDeletedDataEraser>()));
        Assert.Equal(Path.Combine(_directory, "blobs"), services.GetRequiredService<IOptions<FileBlobStoreOptions>>().Value.Root);
        Assert.Equal(Path.Combine(_directory, "status.db"), services.GetRequiredService<IOptions<SqliteStoreOptions>>().Value.StatusPath);

        // A store's own failures are told apart from defects through the port, not by the host naming SQLite.
        var errors = services.GetRequiredService<StoreErrors>();
        Assert.True(errors.IsStoreFailure(new Microsoft.Data.Sqlite.SqliteException("database is locked", 5)));
        Assert.True(errors.IsStoreFailure(new IOException("disk full")));
        Assert.False(errors.IsStoreFailure(new InvalidOperationException("a bug")));

        // Every background service, the six stage runners among them, can be built from what the adapters registered.
        Assert.NotEmpty(services.GetServices<IHostedService>());
    }

    [Theory]
    [InlineData("Sluice:Stores", "mongodb", "Sluice:Stores must be one of: embedded, postgres.")]
    [InlineData("Sluice:Blobs", "azure", "Sluice:Blobs must be one of: files, s3.")]
    [InlineData("Sluice:Transport", "rabbitmq", "Sluice:Transport must be one of: embedded, kafka.")]
    [InlineData("Sluice:Stages", "extract,embedd", "Sluice:Stages names an unknown stage 'embedd'; known stages: extract, chunk, embed, index, summarize, status-projection, webhooks.")]
    public async Task AnUnknownSelection_FailsAtStart_NamingTheAllowedValues(string key, string value, string reason)
    {
        var error = await StartFailsAsync(new() { [key] = value });

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresStores_WithoutAConnectionString_FailAtStart_SayingWhatIsMissing()
    {
        var error = await StartFailsAsync(new() { ["Sluice:Stores"] = "postgres" });

        Assert.Contains("Sluice:Stores=postgres needs Sluice:Postgres:ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PostgresStores_RegisterEveryStorePort_AndTheSharedJournal_WithTheOtherAdaptersChosenOnTheirOwn()
    {
        var builder = SluiceApp.CreateBuilder([], Settings(new()
        {
            ["Sluice:Stores"] = "postgres",
            ["Sluice:Postgres:ConnectionString"] = "Host=127.0.0.1;Port=1;Database=sluice;Username=sluice",
        }));
        builder.Host.UseDefaultServiceProvider(o => o.ValidateOnBuild = true);
        using var app = builder.Build();
        var services = app.Services;

        // Nothing connects until a store is used: composing the host needs no server.
        Assert.IsType<Sluice.Postgres.PostgresStatusStore>(services.GetRequiredService<IStatusStore>());
        Assert.IsType<Sluice.Postgres.PostgresChunkStore>(services.GetRequiredService<IChunkStore>());
        Assert.IsType<Sluice.Postgres.PostgresSummaryStore>(services.GetRequiredService<ISummaryStore>());
        Assert.IsType<Sluice.Postgres.PostgresDeadLetterStore>(services.GetRequiredService<IDeadLetterStore>());
        Assert.IsType<Sluice.Postgres.PostgresSearchIndex>(services.GetRequiredService<ISearchIndex>());
        Assert.IsType<Sluice.Postgres.PostgresLlmSummaryCache>(services.GetRequiredService<ILlmSummaryCache>());
        Assert.IsType<Sluice.Postgres.PostgresAttemptJournal>(services.GetRequiredService<IAttemptJournal>());
        Assert.Empty(services.GetServices<IDeletedDataEraser>());
        Assert.IsType<SqliteEventLog>(services.GetRequiredService<IEventLog>());
        Assert.IsType<FileBlobStore>(services.GetRequiredService<IBlobStore>());
        Assert.True(services.GetRequiredService<StoreErrors>().IsStoreFailure(new Npgsql.NpgsqlException("connection refused")));
    }

    [Fact]
    public void S3Blobs_RegisterTheS3Store_AndItsErrorClassifier_WithoutTouchingTheService()
    {
        var builder = SluiceApp.CreateBuilder([], Settings(new()
        {
            ["Sluice:Blobs"] = "s3",
            ["Sluice:S3:ServiceUrl"] = "http://127.0.0.1:1",
            ["Sluice:S3:Bucket"] = "sluice",
        }));
        builder.Host.UseDefaultServiceProvider(o => o.ValidateOnBuild = true);
        using var app = builder.Build();

        Assert.IsType<Sluice.S3.S3BlobStore>(app.Services.GetRequiredService<IBlobStore>());
        Assert.IsType<SqliteStatusStore>(app.Services.GetRequiredService<IStatusStore>());
        Assert.True(app.Services.GetRequiredService<StoreErrors>().IsStoreFailure(new Amazon.S3.AmazonS3Exception("SlowDown")));
    }

    [Fact]
    public void FileBlobSettings_MovedToSluiceFiles_TheOldKeysAreStillRead_TheNewOnesWin()
    {
        Assert.Equal(TimeSpan.FromMinutes(30), BlobOptions(new() { ["Sluice:Blobs:TempFileMaxAge"] = "00:30:00" }).TempFileMaxAge);

        var both = BlobOptions(new()
        {
            ["Sluice:Blobs"] = "files",
            ["Sluice:Files:TempFileMaxAge"] = "00:20:00",
            ["Sluice:Files:TempFileSweepInterval"] = "00:01:00",
        });
        Assert.Equal(TimeSpan.FromMinutes(20), both.TempFileMaxAge);
        Assert.Equal(TimeSpan.FromMinutes(1), both.TempFileSweepInterval);

        var overridden = BlobOptions(new() { ["Sluice:Blobs:TempFileMaxAge"] = "00:30:00", ["Sluice:Files:TempFileMaxAge"] = "00:20:00" });
        Assert.Equal(TimeSpan.FromMinutes(20), overridden.TempFileMaxAge);
    }

    [Fact]
    public void TheStatusStoreFaultSwitch_WrapsWhicheverStatusStoreTheAdapterRegistered()
    {
        var builder = SluiceApp.CreateWorkerBuilder([], Settings(new() { [FaultyStatusStore.Setting] = Path.Combine(_directory, "down") }));
        using var host = builder.Build();

        Assert.IsType<FaultyStatusStore>(host.Services.GetRequiredService<IStatusStore>());
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private Dictionary<string, string?> Settings(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?> { ["Sluice:DataDirectory"] = _directory, ["Sluice:StageParallelism"] = "2" };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    private FileBlobStoreOptions BlobOptions(Dictionary<string, string?> settings)
    {
        using var host = SluiceApp.CreateWorkerBuilder([], Settings(settings)).Build();
        return host.Services.GetRequiredService<IOptions<FileBlobStoreOptions>>().Value;
    }

    /// <summary>Composes and starts a worker host: a selection it cannot serve fails while composing, a bad value of another setting at start.</summary>
    private async Task<OptionsValidationException> StartFailsAsync(Dictionary<string, string?> settings)
    {
        settings.TryAdd("Sluice:Stages", "");
        return await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            using var host = SluiceApp.CreateWorkerBuilder([], Settings(settings)).Build();
            await host.StartAsync(Ct);
        });
    }
}
