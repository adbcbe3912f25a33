using System.Net;
using Sluice.Cli.Client;
using Sluice.Server.Api;
using Sluice.Server.DeadLetters;

namespace Sluice.Cli.Chaos;

/// <summary>The chaos run's client: uploads and deletes as a user would, retrying whatever got no answer.</summary>
internal sealed class ChaosClient(Uri server) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Uploads until the server answers; records an acknowledged upload in the document.</summary>
    public async Task UploadAsync(ChaosDocument document, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var content = new ByteArrayContent(document.Content);
            content.Headers.ContentType = new(document.ContentType);
            var uri = new Uri($"v1/documents?filename={Uri.EscapeDataString(document.FileName)}", UriKind.Relative);
            HttpResponseMessage response;
            try
            {
                response = await _http.PostAsync(uri, content, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // No answer (the server was killed): not acknowledged, so the client tries again.
                await Task.Delay(Backoff(attempt), cancellationToken);
                continue;
            }

            using (response)
            {
                if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
                {
                    var body = (await response.Content.ReadFromJsonAsync<DocumentResponse>(SluiceClient.Json, cancellationToken))!;
                    lock (document)
                    {
                        document.Id = body.Id;
                        document.Live = true;
                        document.Deleted = false;
                        document.Accepted += response.StatusCode == HttpStatusCode.Accepted ? 1 : 0;
                    }

                    return;
                }

                if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    await Task.Delay(Backoff(attempt), cancellationToken);
                    continue;
                }

                throw new InvalidOperationException(
                    $"{document.FileName} was refused with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }
    }

    /// <summary>Deletes until the server answers 204.</summary>
    public async Task DeleteAsync(ChaosDocument document, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await _http.DeleteAsync(new Uri($"v1/documents/{document.Id}", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    lock (document)
                    {
                        document.Live = false;
                        document.Deleted = true;
                    }

                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(Backoff(attempt), cancellationToken);
        }
    }

    /// <summary>The document as the server sees it; null when it answers 404 (or nothing).</summary>
    public async Task<DocumentResponse?> GetAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri($"v1/documents/{id}", UriKind.Relative), cancellationToken);
            return response.StatusCode == HttpStatusCode.OK
                ? await response.Content.ReadFromJsonAsync<DocumentResponse>(SluiceClient.Json, cancellationToken)
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public async Task<ChunkPage> ChunksAsync(string id, CancellationToken cancellationToken)
        => (await _http.GetFromJsonAsync<ChunkPage>(new Uri($"v1/documents/{id}/chunks?limit=1000", UriKind.Relative), SluiceClient.Json, cancellationToken))!;

    /// <summary>
    /// Replays the parked dead letters of a stage (of every stage when null) as an operator would (a bulk replay job),
    /// and follows the job to its end.
    /// </summary>
    public async Task<ReplayJobView> ReplayAsync(string? stage, CancellationToken cancellationToken)
    {
        var query = stage is null ? "" : $"?stage={stage}";
        using var started = await _http.PostAsync(new Uri($"v1/dead-letters/replay{query}", UriKind.Relative), null, cancellationToken);
        started.EnsureSuccessStatusCode();
        var job = started.Headers.Location ?? throw new InvalidOperationException("the bulk replay answered without a job URL");
        while (true)
        {
            var view = (await _http.GetFromJsonAsync<ReplayJobView>(job, SluiceClient.Json, cancellationToken))!;
            if (view.State != "running")
            {
                return view;
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public void Dispose() => _http.Dispose();

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(2000, 50 * Math.Pow(2, Math.Min(attempt, 6))));
}
