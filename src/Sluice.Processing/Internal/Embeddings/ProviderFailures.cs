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
        switch (exception)
        {
            case ClientResultException { Status: > 0 } failed:
                var response = failed.GetRawResponse();
                return new ProviderException($"{provider} answered {failed.Status}: {Reason(failed, response)}", failed)
                {
                    IsTransient = ProviderException.IsTransientStatus(failed.Status),
                    RetryAfter = response is null ? null : RetryAfter(response, DateTimeOffset.UtcNow),
                };
            case ClientResultException unanswered:
                return new ProviderException($"{provider} could not be reached: {unanswered.Message}", unanswered);
            case HttpRequestException or IOException:
                return new ProviderException($"{provider} could not be reached: {exception.Message}", exception);
            case OperationCanceledException when !cancellationToken.IsCancellationRequested:
                return new ProviderException($"{provider} did not answer in time.", exception);
            case JsonException or FormatException or InvalidDataException:
                return Invalid(provider, exception.Message, exception);
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

    private static string Reason(ClientResultException failed, PipelineResponse? response)
    {
        const int MaxReasonLength = 500;
        string? body = null;
        try
        {
            body = response?.Content?.ToString();
        }
        catch (InvalidOperationException)
        {
            // The body was streamed and is gone; the message has to do.
        }

        var reason = string.IsNullOrWhiteSpace(body) ? failed.Message : body.Trim();
        return reason.Length <= MaxReasonLength ? reason : reason[..MaxReasonLength];
    }
}
