using System.Diagnostics;

namespace Sluice.Processing;

/// <summary>
/// Spans of calls to AI models (activity source <c>Sluice.Providers</c>), named and tagged as the OpenTelemetry GenAI
/// conventions say: <c>embeddings &lt;model&gt;</c> and <c>chat &lt;model&gt;</c>, with <c>gen_ai.operation.name</c>,
/// <c>gen_ai.provider.name</c>, <c>gen_ai.request.model</c> and the token usage. Without a listener nothing is created.
/// </summary>
public static class ProviderTracing
{
    public const string SourceName = "Sluice.Providers";

    public static ActivitySource ActivitySource { get; } = new(SourceName);

    /// <summary>A span for one call to an embedding model, or null when nobody listens.</summary>
    internal static Activity? StartEmbeddings(string provider, string model, int texts, ActivityKind kind)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var span = ActivitySource.StartActivity("embeddings " + model, kind);
        span?.SetTag("gen_ai.operation.name", "embeddings");
        span?.SetTag("gen_ai.provider.name", provider);
        span?.SetTag("gen_ai.request.model", model);
        span?.SetTag("sluice.batch.size", texts);
        return span;
    }

    /// <summary>A span for one chat call to an LLM, or null when nobody listens.</summary>
    internal static Activity? StartChat(string model, int? maxOutputTokens)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        var span = ActivitySource.StartActivity("chat " + model, ActivityKind.Client);
        span?.SetTag("gen_ai.operation.name", "chat");
        span?.SetTag("gen_ai.provider.name", "openai");
        span?.SetTag("gen_ai.request.model", model);
        if (maxOutputTokens is { } max)
        {
            span?.SetTag("gen_ai.request.max_tokens", max);
        }

        return span;
    }

    /// <summary>Marks the span failed with the exception's type (never its message: it can name hosts or keys).</summary>
    internal static void Failed(Activity? span, Exception exception)
    {
        if (span is null)
        {
            return;
        }

        var type = exception is Core.Ports.ProviderException { IsCircuitOpen: true } ? "circuit_open" : exception.GetType().FullName;
        span.SetTag("error.type", type);
        span.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
    }
}
