using Microsoft.AspNetCore.Http.HttpResults;
using Sluice.Core.Ports;
using Sluice.Server.Quotas;
using Sluice.Server.Security;

namespace Sluice.Server.Api;

public sealed record SearchResult(
    string DocumentId, string? Filename, string ChunkId, int Index, string Text, double Score, int Start, int End, int? Page);

public sealed record SearchResponse(string Query, string Mode, int K, IReadOnlyList<SearchResult> Results);

public static class SearchApi
{
    public const int MaxK = 1000;

    public static void MapSearchApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/search", SearchAsync)
            .WithTags("Search")
            .RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Reader))
            .WithSummary("Semantic, keyword or hybrid search over the chunks of completed documents")
            .Produces<SearchResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireRateLimiting(RateLimits.Searches);
    }

    private static async Task<IResult> SearchAsync(
        HttpRequest request,
        [FromKeyedServices(SearchEmbedding.Key)] IEmbedder embedder,
        ISearchIndex index,
        IStatusStore statuses,
        string? q,
        int? k,
        string? mode,
        string[]? documentId,
        CancellationToken cancellationToken)
    {
        var tenant = request.HttpContext.GetCaller().Tenant;
        if (string.IsNullOrWhiteSpace(q))
        {
            return Bad("Missing query", "Pass the query text as ?q=…");
        }

        var size = k ?? 10;
        if (size is < 1 or > MaxK)
        {
            return Bad("Invalid k", $"k must be between 1 and {MaxK}.");
        }

        if (!Enum.TryParse<SearchMode>(mode ?? nameof(SearchMode.Hybrid), ignoreCase: true, out var searchMode) || !Enum.IsDefined(searchMode))
        {
            return Bad("Invalid mode", "mode must be hybrid, vector or keyword.");
        }

        float[]? vector;
        try
        {
            vector = searchMode == SearchMode.Keyword ? null : (await embedder.EmbedAsync([q], cancellationToken))[0];
        }
        catch (ProviderException ex) when (ex.IsTransient)
        {
            return SearchEmbedding.Unavailable(request.HttpContext, ex);
        }

        var filter = documentId is { Length: > 0 } ? documentId : null;
        var hits = await index.SearchAsync(new SearchQuery(q, vector, size, searchMode, tenant, filter, embedder.Info), cancellationToken);

        // A document deleted while its chunks were being indexed must not surface: check every document once.
        var documents = new Dictionary<string, DocumentStatus?>(StringComparer.Ordinal);
        foreach (var id in hits.Select(h => h.DocumentId).Distinct(StringComparer.Ordinal))
        {
            documents[id] = await statuses.GetAsync(id, cancellationToken);
        }

        var results = hits
            .Where(h => documents[h.DocumentId] is { } d && d.Document.Tenant == tenant)
            .Select(h => new SearchResult(h.DocumentId, documents[h.DocumentId]!.Document.FileName, h.ChunkId, h.Index, h.Text, h.Score, h.Start, h.End, h.Page))
            .ToList();
        return TypedResults.Ok(new SearchResponse(q, searchMode.ToString().ToLowerInvariant(), size, results));
    }

    private static ProblemHttpResult Bad(string title, string detail) => TypedResults.Problem(statusCode: 400, title: title, detail: detail);
}
