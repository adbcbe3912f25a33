using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Processing;

namespace Sluice.Server.Quotas;

/// <summary>
/// The embedder search uses for its queries, keyed <see cref="Key"/>. With a remote embedder
/// (<c>Sluice:Embedder=openai</c>) it is a client of the same endpoint behind a <see cref="ProviderGuard"/> of its own:
/// a flood of searches spends the search guard's concurrency and opens the search guard's circuit, never the one the
/// <c>embed</c> stage goes through, so ingestion keeps embedding while searches are refused (and the other way round).
/// With the local model it is the model itself (no provider to protect).
/// </summary>
public static class SearchEmbedding
{
    /// <summary>Service key of the query embedder and of its guard.</summary>
    public const string Key = "sluice:search-embedding";

    /// <summary>Registers the query embedder; call it after the pipeline's embedder registrations.</summary>
    public static IServiceCollection AddSluiceSearchEmbedder(this IServiceCollection services, SluiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Embedder == "openai")
        {
            services.AddKeyedSingleton(Key, (sp, _) => new ProviderGuard(
                "The embedding endpoint (search)", sp.GetRequiredService<IOptions<OpenAiEmbedderOptions>>().Value.ToGuardOptions(), sp.GetService<TimeProvider>(),
                "search-embedder", sp.GetRequiredService<ProviderMetrics>()));
            services.AddKeyedSingleton<IEmbedder>(Key, (sp, _) => new OpenAiCompatibleEmbedder(
                sp.GetRequiredService<IOptions<OpenAiEmbedderOptions>>().Value, httpClient: null, sp.GetRequiredKeyedService<ProviderGuard>(Key),
                sp.GetRequiredService<ProviderMetrics>()));
        }
        else
        {
            services.AddKeyedSingleton<IEmbedder>(Key, (sp, _) => sp.GetRequiredService<IEmbedder>());
        }

        return services;
    }

    /// <summary>
    /// The answer to a search whose query could not be embedded for a while (the endpoint failed, or its circuit is
    /// open): <c>503</c> with <c>Retry-After</c>. A permanent failure is not this (it stays a server error).
    /// </summary>
    public static ProblemHttpResult Unavailable(HttpContext context, ProviderException failure)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(failure);
        var seconds = Math.Max(1, (long)Math.Ceiling((failure.RetryAfter ?? TimeSpan.FromSeconds(5)).TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Query embedding unavailable",
            detail: failure.IsCircuitOpen
                ? $"The embedding endpoint failed repeatedly for searches; they are paused for {seconds} s. Keyword search (mode=keyword) still works."
                : "The embedding endpoint did not embed the query. Retry later, or search with mode=keyword.");
    }
}
