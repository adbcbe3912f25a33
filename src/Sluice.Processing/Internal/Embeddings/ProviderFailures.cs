using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using Sluice.Core.Ports;

namespace Sluice.Processing.Internal.Embeddings;

/// <summary>Turns what an HTTP AI client throws into <see cref="ProviderException"/>s that say whether to retry.</summary>
internal static class ProviderFailures
{
    /// <summary>
    /// The provider exception for <paramref name="exception"/>, or null when it is not a provider failure (the
    /// caller's own cancellation, programming errors).
    /// </summary>
    public static ProviderException? From(Exception exception, string provider, CancellationToken cancellationToken)
    {
        // The message is what clients see as the stage's error: the status and the provider's error code, never the
        // provider's response body or the client's exception text (they can echo input, name internal hosts). Both
        // stay on the inner exception, which the stage runtime logs with the failure.
        switch (exception)
        {
            case ClientResultException { Status: > 0 } failed:
                var response = failed.GetRawResponse();
                return new ProviderException($"{provider} answered {failed.Status}{Code(response)}", failed)
                {
                    IsTransient = ProviderException.IsTransientStatus(failed.Status),
                    RetryAfter = response is null ? null : RetryAfter(response, DateTimeOffset.UtcNow),
                };
            case ClientResultException or HttpRequestException or IOException:
                return new ProviderException($"{provider} could not be reached ({Unreachable(exception)}); the cause is in the log", exception);
            case OperationCanceledException when !cancellationToken.IsCancellationRequested:
                return new ProviderException($"{provider} did not answer in time.", exception);
            case JsonException or FormatException or InvalidDataException:
                return Invalid(provider, "the answer is not what the API defines; the cause is in the log", exception);
            default:
                return null;
        }
    }

    /// <summary>A response that cannot be used: permanent, asking again gives the same.</summary>
    public static ProviderException Invalid(string provider, string reason, Exception? inner = null) =>
        inner is null
            ? new ProviderException($"{provider} returned an invalid response: {reason}") { IsTransient = false }
            : new ProviderException($"{provider} returned an invalid response: {reason}", inner) { IsTransient = false };

    /// <summary>
    /// The wait the response asks for: <c>retry-after-ms</c> (OpenAI's), else <c>Retry-After</c> in seconds or as
    /// an HTTP date.
    /// </summary>
    internal static TimeSpan? RetryAfter(PipelineResponse response, DateTimeOffset now)
    {
        if (response.Headers.TryGetValue("retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (!response.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : null;
        }

        return DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? (date > now ? date - now : TimeSpan.Zero)
            : null;
    }

    /// <summary>
    /// The provider's own error code (OpenAI's <c>error.code</c>, else <c>error.type</c>) when it is a short identifier,
    /// e.g. <c> (context_length_exceeded)</c>: actionable, and it cannot carry text of the request.
    /// </summary>
    private static string Code(PipelineResponse? response)
    {
        try
        {
            if (response?.Content is not { } content || content.ToMemory().Length is 0 or > 64 * 1024)
            {
                return "";
            }

            using var json = JsonDocument.Parse(content.ToMemory());
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return "";
            }

            foreach (var name in (ReadOnlySpan<string>)["code", "type"])
            {
                if (error.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                    && value.GetString() is { Length: > 0 and <= 64 } code && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                {
                    return $" ({code})";
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or streamed and gone: the status has to do.
        }

        return "";
    }

    /// <summary>What kind of failure kept the call from an answer: the error class, never a host, address or path.</summary>
    private static string Unreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http)
            {
                return http.HttpRequestError switch
                {
                    HttpRequestError.NameResolutionError => "its host name does not resolve",
                    HttpRequestError.ConnectionError => "the connection failed",
                    HttpRequestError.SecureConnectionError => "the TLS handshake failed",
                    HttpRequestError.ResponseEnded => "the response ended early",
                    HttpRequestError.ProxyTunnelError => "the proxy tunnel failed",
                    _ => http.HttpRequestError.ToString(),
                };
            }
        }

        return exception is IOException ? "an I/O error" : exception.GetType().Name;
    }
}
