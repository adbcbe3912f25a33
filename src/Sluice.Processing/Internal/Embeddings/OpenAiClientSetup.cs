using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;

namespace Sluice.Processing.Internal.Embeddings;

/// <summary>
/// How every OpenAI-compatible client of Sluice is set up: no retries inside the client (the runtime owns retries),
/// an optional HTTP client, and no Authorization header at all when there is no API key (local servers reject
/// a placeholder key).
/// </summary>
internal static class OpenAiClientSetup
{
    public static (OpenAIClientOptions Options, ApiKeyCredential Credential) Create(
        Uri? endpoint, string? apiKey, TimeSpan networkTimeout, HttpClient? httpClient)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            NetworkTimeout = networkTimeout,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        if (httpClient is not null)
        {
            options.Transport = new HttpClientPipelineTransport(httpClient);
        }

        var hasKey = !string.IsNullOrEmpty(apiKey);
        if (!hasKey)
        {
            options.AddPolicy(new NoAuthorizationPolicy(), PipelinePosition.BeforeTransport);
        }

        return (options, new ApiKeyCredential(hasKey ? apiKey! : NoAuthorizationPolicy.PlaceholderKey));
    }
}
