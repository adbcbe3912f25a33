using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Conformance;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Stores;

public sealed class SqliteStatusStoreConformanceTests : StatusStoreConformance
{
    private readonly TempStoreDirectory _directory = new();

    protected override Task<IStatusStore> CreateStoreAsync(IReadOnlyList<string> pipeline, TimeProvider time, CancellationToken cancellationToken)
        => Task.FromResult<IStatusStore>(new SqliteStatusStore(Options.Create(_directory.Options(pipeline)), time));

    protected override async Task<long> CountStageRowsAsync(string documentId, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={_directory.Options().StatusPath};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM stages WHERE document_id = $id";
        command.Parameters.AddWithValue("$id", documentId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

public sealed class SqliteDeadLetterStoreConformanceTests : DeadLetterStoreConformance, IDisposable
{
    private readonly TempStoreDirectory _directory = new();

    protected override Task<IDeadLetterStore> CreateStoreAsync(CancellationToken cancellationToken)
        => Task.FromResult<IDeadLetterStore>(new SqliteDeadLetterStore(Options.Create(_directory.Options())));

    public void Dispose() => _directory.Dispose();
}

public sealed class SqliteSummaryStoreConformanceTests : SummaryStoreConformance, IDisposable
{
    private readonly TempStoreDirectory _directory = new();

    protected override Task<ISummaryStore> CreateStoreAsync(CancellationToken cancellationToken)
        => Task.FromResult<ISummaryStore>(new SqliteSummaryStore(Options.Create(_directory.Options())));

    public void Dispose() => _directory.Dispose();
}

public sealed class SqliteLlmSummaryCacheConformanceTests : LlmSummaryCacheConformance, IDisposable
{
    private readonly TempStoreDirectory _directory = new();

    protected override Task<ILlmSummaryCache> CreateCacheAsync(CancellationToken cancellationToken)
        => Task.FromResult<ILlmSummaryCache>(new SqliteLlmSummaryCache(Path.Combine(_directory.Path, "llm-cache.db")));

    public void Dispose() => _directory.Dispose();
}

public sealed class SqliteApiKeyStoreConformanceTests : ApiKeyStoreConformance, IDisposable
{
    private readonly TempStoreDirectory _directory = new();

    protected override Task<IApiKeyStore> CreateStoreAsync(CancellationToken cancellationToken)
        => Task.FromResult<IApiKeyStore>(new SqliteApiKeyStore(Options.Create(_directory.Options())));

    public void Dispose() => _directory.Dispose();
}

public sealed class SqliteWebhookStoreConformanceTests : WebhookStoreConformance, IDisposable
{
    private readonly TempStoreDirectory _directory = new();

    protected override Task<IWebhookStore> CreateStoreAsync(CancellationToken cancellationToken)
        => Task.FromResult<IWebhookStore>(new SqliteWebhookStore(Options.Create(_directory.Options())));

    public void Dispose() => _directory.Dispose();
}

public sealed class SqliteStatusChangeFeedConformanceTests : StatusChangeFeedConformance
{
    private readonly TempStoreDirectory _directory = new();

    protected override Task<IStatusStore> CreateStoreAsync(IReadOnlyList<string> pipeline, TimeProvider time, CancellationToken cancellationToken)
        => Task.FromResult<IStatusStore>(new SqliteStatusStore(Options.Create(_directory.Options(pipeline)), time));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
