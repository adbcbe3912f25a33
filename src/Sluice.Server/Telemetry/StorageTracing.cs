using System.Diagnostics;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Telemetry;

/// <summary>
/// Spans of the storage calls that cost (activity source <c>Sluice.Storage</c>): blob writes and reads, search-index
/// writes and queries. The stores are wrapped only when tracing is on, so off they cost nothing at all. Every wrapper
/// method is async, so that the span it makes current ends being current when it returns.
/// </summary>
public static class StorageTracing
{
    public const string SourceName = "Sluice.Storage";

    public static ActivitySource ActivitySource { get; } = new(SourceName);

    internal static Activity? Start(string name, ActivityKind kind) => ActivitySource.StartActivity(name, kind);

    /// <summary>
    /// Runs <paramref name="call"/> in <paramref name="span"/>: <paramref name="describe"/> tags it with the result, a
    /// failure marks it with the exception's type (never its message), and it ends with the call.
    /// </summary>
    internal static async Task<T> RunAsync<T>(Activity? span, Task<T> call, Action<Activity, T>? describe = null)
    {
        try
        {
            var result = await call;
            if (span is not null)
            {
                describe?.Invoke(span, result);
            }

            return result;
        }
        catch (Exception ex) when (span is not null)
        {
            span.SetTag("error.type", ex.GetType().FullName);
            span.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
        finally
        {
            span?.Dispose();
        }
    }
}

/// <summary>
/// <c>sluice.blob put</c> and <c>sluice.blob get</c> spans around a blob store (client spans for S3, internal for the
/// file store), with the blob's size.
/// </summary>
internal sealed class TracedBlobStore(IBlobStore inner, string store) : IBlobStore
{
    private readonly ActivityKind _kind = store == "s3" ? ActivityKind.Client : ActivityKind.Internal;

    public async Task<BlobReference> PutAsync(Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
        => await StorageTracing.RunAsync(Start("put", "put", contentType), inner.PutAsync(content, contentType, maxBytes, cancellationToken), Size);

    /// <summary>The upload: read, hashed and kept aside here, committed into the store later (a cheap, untraced step).</summary>
    public async Task<StagedBlob> StageAsync(Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
        => await StorageTracing.RunAsync(
            Start("put", "stage", contentType), inner.StageAsync(content, contentType, maxBytes, cancellationToken),
            static (span, staged) => Size(span, staged.Reference));

    public async Task<BlobReference> PutOwnedAsync(BlobOwner owner, Stream content, string contentType, CancellationToken cancellationToken = default)
        => await StorageTracing.RunAsync(Start("put", "put_owned", contentType), inner.PutOwnedAsync(owner, content, contentType, cancellationToken), Size);

    public Task DeleteOwnedAsync(BlobOwner owner, CancellationToken cancellationToken = default) => inner.DeleteOwnedAsync(owner, cancellationToken);

    public async Task<Stream> OpenReadAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        var span = Start("get", "get", reference.ContentType);
        span?.SetTag("sluice.blob.size", reference.Size);
        return await StorageTracing.RunAsync(span, inner.OpenReadAsync(reference, cancellationToken));
    }

    public Task<bool> ExistsAsync(BlobReference reference, CancellationToken cancellationToken = default) => inner.ExistsAsync(reference, cancellationToken);

    public Task DeleteAsync(BlobReference reference, CancellationToken cancellationToken = default) => inner.DeleteAsync(reference, cancellationToken);

    private Activity? Start(string name, string operation, string contentType)
    {
        var span = StorageTracing.Start("sluice.blob " + name, _kind);
        span?.SetTag("sluice.blob.store", store);
        span?.SetTag("sluice.blob.operation", operation);
        span?.SetTag("sluice.blob.content_type", contentType);
        return span;
    }

    private static void Size(Activity span, BlobReference reference) => span.SetTag("sluice.blob.size", reference.Size);
}

/// <summary><c>sluice.index upsert</c> and <c>sluice.index search</c> spans around the search index.</summary>
internal sealed class TracedSearchIndex(ISearchIndex inner, string stores) : ISearchIndex
{
    private readonly ActivityKind _kind = stores == "postgres" ? ActivityKind.Client : ActivityKind.Internal;
    private readonly string _system = stores == "postgres" ? "postgresql" : "sqlite";

    public async Task UpsertAsync(string tenant, string documentId, EmbedderInfo embedder, IReadOnlyList<IndexedChunk> chunks, CancellationToken cancellationToken = default)
    {
        var span = Start("upsert");
        span?.SetTag("sluice.document_id", documentId);
        span?.SetTag("sluice.index.chunks", chunks.Count);
        await StorageTracing.RunAsync(span, Done(inner.UpsertAsync(tenant, documentId, embedder, chunks, cancellationToken)));
    }

    public async Task UpsertRangeAsync(
        string tenant, string documentId, EmbedderInfo embedder, int fromIndex, int toIndex, IReadOnlyList<IndexedChunk> chunks,
        CancellationToken cancellationToken = default)
    {
        var span = Start("upsert");
        span?.SetTag("sluice.document_id", documentId);
        span?.SetTag("sluice.index.chunks", chunks.Count);
        await StorageTracing.RunAsync(span, Done(inner.UpsertRangeAsync(tenant, documentId, embedder, fromIndex, toIndex, chunks, cancellationToken)));
    }

    public Task DeleteAsync(string documentId, CancellationToken cancellationToken = default) => inner.DeleteAsync(documentId, cancellationToken);

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default)
    {
        var span = Start("search");
        span?.SetTag("sluice.search.mode", query.Mode.ToString().ToLowerInvariant());
        span?.SetTag("sluice.search.k", query.K);
        return await StorageTracing.RunAsync(span, inner.SearchAsync(query, cancellationToken), static (s, hits) => s.SetTag("sluice.search.hits", hits.Count));
    }

    public Task<int> CountAsync(string documentId, CancellationToken cancellationToken = default) => inner.CountAsync(documentId, cancellationToken);

    private Activity? Start(string operation)
    {
        var span = StorageTracing.Start("sluice.index " + operation, _kind);
        span?.SetTag("db.system.name", _system);
        span?.SetTag("db.operation.name", operation);
        return span;
    }

    private static async Task<bool> Done(Task call)
    {
        await call;
        return true;
    }
}
