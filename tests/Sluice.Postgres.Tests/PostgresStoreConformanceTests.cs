using Microsoft.Extensions.Options;
using Npgsql;
using Sluice.Conformance;
using Sluice.Core.Ports;
using Sluice.Testing;

namespace Sluice.Postgres.Tests;

public sealed class PostgresStatusStoreConformanceTests(PostgresServer server) : StatusStoreConformance
{
    private readonly PostgresTestSchema _schema = new(server);

    protected override async Task<IStatusStore> CreateStoreAsync(IReadOnlyList<string> pipeline, TimeProvider time, CancellationToken cancellationToken)
    {
        var database = await _schema.OpenAsync(pipeline);
        return new PostgresStatusStore(database, Options.Create(await _schema.OptionsAsync(pipeline)), time);
    }

    protected override async Task<long> CountStageRowsAsync(string documentId, CancellationToken cancellationToken)
    {
        var database = await _schema.OpenAsync();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM stages WHERE document_id = $1", connection) { Parameters = { new() { Value = documentId } } };
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresStatusChangeFeedConformanceTests(PostgresServer server) : StatusChangeFeedConformance
{
    private readonly PostgresTestSchema _schema = new(server);

    protected override async Task<IStatusStore> CreateStoreAsync(IReadOnlyList<string> pipeline, TimeProvider time, CancellationToken cancellationToken)
    {
        var database = await _schema.OpenAsync(pipeline);
        return new PostgresStatusStore(database, Options.Create(await _schema.OptionsAsync(pipeline)), time);
    }

    protected override async Task SettleAsync(CancellationToken cancellationToken)
        => await PostgresFeedSettling.SettleAsync(await _schema.OpenAsync(), cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresDeadLetterStoreConformanceTests(PostgresServer server) : DeadLetterStoreConformance
{
    private readonly PostgresTestSchema _schema = new(server);

    protected override async Task<IDeadLetterStore> CreateStoreAsync(CancellationToken cancellationToken)
        => new PostgresDeadLetterStore(await _schema.OpenAsync());

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _schema.DisposeAsync();
    }
}

public sealed class PostgresSummaryStoreConformanceTests(PostgresServer server) : SummaryStoreConformance, IAsyncDisposable
{
    private readonly PostgresTestSchema _schema = new(server);

    protected override async Task<ISummaryStore> CreateStoreAsync(CancellationToken cancellationToken)
        => new PostgresSummaryStore(await _schema.OpenAsync());

    public ValueTask DisposeAsync() => _schema.DisposeAsync();
}

public sealed class PostgresLlmSummaryCacheConformanceTests(PostgresServer server) : LlmSummaryCacheConformance, IAsyncDisposable
{
    private readonly PostgresTestSchema _schema = new(server);

    protected override async Task<ILlmSummaryCache> CreateCacheAsync(CancellationToken cancellationToken)
        => new PostgresLlmSummaryCache(await _schema.OpenAsync());

    public ValueTask DisposeAsync() => _schema.DisposeAsync();
}

public sealed class PostgresApiKeyStoreConformanceTests(PostgresServer server) : ApiKeyStoreConformance, IAsyncDisposable
{
    private readonly PostgresTestSchema _schema = new(server);

    protected override async Task<IApiKeyStore> CreateStoreAsync(CancellationToken cancellationToken)
        => new PostgresApiKeyStore(await _schema.OpenAsync());

    public ValueTask DisposeAsync() => _schema.DisposeAsync();
}

public sealed class PostgresWebhookStoreConformanceTests(PostgresServer server) : WebhookStoreConformance, IAsyncDisposable
{
    private readonly PostgresTestSchema _schema = new(server);

    protected override async Task<IWebhookStore> CreateStoreAsync(CancellationToken cancellationToken)
        => new PostgresWebhookStore(await _schema.OpenAsync());

    public ValueTask DisposeAsync() => _schema.DisposeAsync();
}
