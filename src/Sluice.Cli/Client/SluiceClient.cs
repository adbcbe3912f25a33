using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Server.Api;

namespace Sluice.Cli.Client;

/// <summary>How the CLI reads a document's status as the API returns it (<see cref="DocumentResponse"/>).</summary>
internal static class DocumentStates
{
    public static bool IsTerminal(this DocumentResponse document) => document.Status is "completed" or "failed" or "dead_lettered";

    /// <summary>Ended without completing: failed, or parked on a dead-letter topic (replayable).</summary>
    public static bool IsFailure(this DocumentResponse document) => document.Status is "failed" or "dead_lettered";
}

internal sealed record SearchHitView(
    string DocumentId, string? Filename, string ChunkId, int Index, string Text, double Score, int Start, int End, int? Page);

internal sealed record SearchView(string Query, string Mode, int K, List<SearchHitView> Results);

internal sealed record ProblemView(string? Title, string? Detail, int? Status);

/// <summary>The server said no, or could not be reached: one line for the user, and an exit code.</summary>
internal sealed class CliException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Thin HTTP client of the Sluice API for the client commands.</summary>
internal sealed class SluiceClient(HttpClient http) : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public Uri BaseAddress => http.BaseAddress!;

    public static SluiceClient Create(Uri server) => new(ClientCredentials.Http(server, TimeSpan.FromMinutes(30)));

    /// <summary>Uploads a file, streaming it. Returns the document, or throws for a rejection.</summary>
    public async Task<(DocumentResponse Document, bool Created)> UploadAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var form = new MultipartFormDataContent();
        var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", Path.GetFileName(path));
        using var response = await SendAsync(() => http.PostAsync(new Uri("v1/documents", UriKind.Relative), form, cancellationToken));
        if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
        {
            var document = await response.Content.ReadFromJsonAsync<DocumentResponse>(Json, cancellationToken)
                           ?? throw new CliException("the server answered an empty document", 3);
            return (document, response.StatusCode == HttpStatusCode.Accepted);
        }

        throw new CliException($"{Path.GetFileName(path)}: {await DescribeAsync(response, cancellationToken)}", 1);
    }

    public async Task<DocumentResponse> GetAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.GetAsync(new Uri($"v1/documents/{Uri.EscapeDataString(id)}", UriKind.Relative), cancellationToken));
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadFromJsonAsync<DocumentResponse>(Json, cancellationToken)
                   ?? throw new CliException("the server answered an empty document", 3);
        }

        throw new CliException(await DescribeAsync(response, cancellationToken), response.StatusCode == HttpStatusCode.NotFound ? 4 : 3);
    }

    public async Task<string> GetRawAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => http.GetAsync(new Uri($"v1/documents/{Uri.EscapeDataString(id)}", UriKind.Relative), cancellationToken));
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }

        throw new CliException(await DescribeAsync(response, cancellationToken), response.StatusCode == HttpStatusCode.NotFound ? 4 : 3);
    }

    public async Task<string> SearchRawAsync(string query, int k, string mode, IReadOnlyList<string> documentIds, CancellationToken cancellationToken)
    {
        var uri = $"v1/search?q={Uri.EscapeDataString(query)}&k={k}&mode={Uri.EscapeDataString(mode)}"
                  + string.Concat(documentIds.Select(d => $"&documentId={Uri.EscapeDataString(d)}"));
        using var response = await SendAsync(() => http.GetAsync(new Uri(uri, UriKind.Relative), cancellationToken));
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadAsStringAsync(cancellationToken);
        }

        throw new CliException(await DescribeAsync(response, cancellationToken), response.StatusCode == HttpStatusCode.BadRequest ? 2 : 3);
    }

    public async Task<SearchView> SearchAsync(string query, int k, string mode, CancellationToken cancellationToken)
        => ParseSearch(await SearchRawAsync(query, k, mode, [], cancellationToken));

    public static SearchView ParseSearch(string json)
        => JsonSerializer.Deserialize<SearchView>(json, Json) ?? throw new CliException("the server answered an empty search response", 3);

    /// <summary>Uploads text as a raw body; returns the document and whether it was new.</summary>
    public async Task<DocumentResponse> UploadTextAsync(string text, string fileName, CancellationToken cancellationToken)
    {
        using var content = new StringContent(text, System.Text.Encoding.UTF8, "text/plain");
        using var response = await SendAsync(() => http.PostAsync(new Uri($"v1/documents?filename={Uri.EscapeDataString(fileName)}", UriKind.Relative), content, cancellationToken));
        if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
        {
            return await response.Content.ReadFromJsonAsync<DocumentResponse>(Json, cancellationToken)
                   ?? throw new CliException("the server answered an empty document", 3);
        }

        throw new CliException($"{fileName}: {await DescribeAsync(response, cancellationToken)}", 1);
    }

    /// <summary>
    /// The pipeline's state (<c>GET /v1/pipeline</c>, admins only). A refusal is one actionable line: which key to
    /// pass, or that the server predates the route.
    /// </summary>
    public async Task<PipelineSnapshot> GetPipelineAsync(CancellationToken cancellationToken)
    {
        HttpResponseMessage sent;
        try
        {
            sent = await SendAsync(() => http.GetAsync(new Uri("v1/pipeline", UriKind.Relative), cancellationToken));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's own timeout, not the caller's cancellation.
            throw new CliException($"the Sluice server at {http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:0} s", 3);
        }

        using var response = sent;
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                try
                {
                    return await response.Content.ReadFromJsonAsync<PipelineSnapshot>(Json, cancellationToken)
                           ?? throw new CliException("the server answered an empty pipeline view", 3);
                }
                catch (JsonException)
                {
                    throw new CliException($"the server at {http.BaseAddress} answered a pipeline view this sluice cannot read: are the server and the CLI the same version?", 3);
                }

            case HttpStatusCode.Unauthorized:
                throw new CliException(
                    $"the server at {http.BaseAddress} wants an admin's API key (401): pass --api-key or set {ClientCredentials.EnvironmentVariable}", 3);
            case HttpStatusCode.Forbidden:
                throw new CliException($"the server at {http.BaseAddress} refused the API key (403): the pipeline view needs an admin's key", 3);
            case HttpStatusCode.NotFound:
                throw new CliException($"the server at {http.BaseAddress} has no pipeline view (404 for /v1/pipeline): is it an older Sluice, or not Sluice?", 3);
            default:
                throw new CliException(await DescribeAsync(response, cancellationToken), 3);
        }
    }

    /// <summary>
    /// Opens the tenant's status event stream, after <paramref name="lastEventId"/> (else from now on). Null when the
    /// server has no event stream (404: a server older than the stream).
    /// </summary>
    public async Task<HttpResponseMessage?> OpenEventsAsync(string? lastEventId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("v1/events", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        var response = await SendAsync(() => http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken));
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            return response.StatusCode == HttpStatusCode.NotFound
                ? null
                : throw new CliException($"the event stream: {await DescribeAsync(response, cancellationToken)}", 3);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(
                $"cannot reach the Sluice server at {http.BaseAddress} ({ex.Message}); start it with 'sluice serve' or pass --server URL", 3);
        }
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemView>(Json, cancellationToken);
            if (problem?.Detail is { Length: > 0 } detail)
            {
                return $"{(int)response.StatusCode} {problem.Title}: {detail}";
            }
        }
        catch (JsonException)
        {
        }

        return $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
    }

    public void Dispose() => http.Dispose();
}
