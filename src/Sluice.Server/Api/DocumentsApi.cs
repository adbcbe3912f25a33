using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Server.Hosting;
using Sluice.Server.Ingestion;
using Sluice.Server.Quotas;
using Sluice.Server.Security;
using Sluice.Server.Telemetry;

namespace Sluice.Server.Api;

public static class DocumentsApi
{
    private const int MaxPageSize = 500;

    public static RouteGroupBuilder MapDocumentsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/documents").WithTags("Documents").RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Reader));
        group.MapPost("/", UploadAsync)
            .RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Writer))
            .DisableAntiforgery()
            .WithSummary("Upload a document (multipart field 'file', or a raw body with ?filename=)")
            .Produces<DocumentResponse>(StatusCodes.Status202Accepted)
            .Produces<DocumentResponse>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage)
            .RequireRateLimiting(RateLimits.Uploads);
        group.MapGet("/", ListAsync).WithSummary("List documents, newest first");
        group.MapGet("/{id}", GetAsync).WithSummary("A document's status, per stage");
        group.MapGet("/{id}/chunks", ChunksAsync).WithSummary("A document's chunks, in order");
        group.MapGet("/{id}/summary", SummaryAsync).WithSummary("A document's summary, once the summarize stage is done");
        group.MapDelete("/{id}", DeleteAsync).WithSummary("Delete a document from every store (idempotent)")
            .RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Writer));
        return group;
    }

    private static async Task<IResult> UploadAsync(
        HttpRequest request, IngestionService ingestion, TopicProvisioner topics, IOptions<SluiceOptions> options, StorageQuota quota,
        IngestionMetrics metrics, TimeProvider time, string? filename, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var result = await UploadCoreAsync(request, ingestion, topics, options, quota, filename, cancellationToken);
        var (status, bytes) = result switch
        {
            Accepted<DocumentResponse> accepted => (StatusCodes.Status202Accepted, accepted.Value?.Bytes),
            Ok<DocumentResponse> existing => (StatusCodes.Status200OK, existing.Value?.Bytes),
            IStatusCodeHttpResult { StatusCode: { } code } => (code, null),
            _ => (StatusCodes.Status500InternalServerError, (long?)null),
        };
        metrics.Answered(status, bytes, time.GetElapsedTime(started));
        return result;
    }

    private static async Task<IResult> UploadCoreAsync(
        HttpRequest request, IngestionService ingestion, TopicProvisioner topics, IOptions<SluiceOptions> options, StorageQuota quota,
        string? filename, CancellationToken cancellationToken)
    {
        var tenant = request.HttpContext.GetCaller().Tenant;
        if (!topics.IsReady)
        {
            // Nothing is stored: the event could not be published, and on Kafka publishing to a topic that is not
            // there yet would wait for the delivery timeout (or have the broker create it with its own settings).
            return Unavailable(request.HttpContext, "Sluice is starting: the event log's topics are not provisioned yet (see /readyz). Retry the upload later.");
        }

        var limit = options.Value.MaxUploadBytes;
        if (request.ContentLength is { } declared && declared > limit + (64 * 1024))
        {
            return Problem(IngestionService.TooLarge(FileNames.Sanitize(filename), limit));
        }

        if (request.ContentLength is { } length && quota.CheckDeclared(tenant, FileNames.Sanitize(filename), length, 64 * 1024) is { } overQuota)
        {
            return Problem(overQuota);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            // Multipart framing adds a little; the content itself is held to the limit exactly by the blob store.
            bodyLimit.MaxRequestBodySize = limit + (64 * 1024);
        }

        try
        {
            IngestionOutcome outcome;
            if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
                && mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            {
                var boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value;
                if (string.IsNullOrEmpty(boundary))
                {
                    return Results.Problem(statusCode: 400, title: "Malformed multipart body", detail: "The multipart Content-Type has no boundary.");
                }

                var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = null };
                var section = await FindFileSectionAsync(reader, cancellationToken);
                if (section is null)
                {
                    return Results.Problem(statusCode: 400, title: "No file", detail: "The multipart form has no field named 'file'.");
                }

                outcome = await ingestion.IngestAsync(section.Value.Body, section.Value.FileName ?? filename, section.Value.ContentType, tenant, cancellationToken);
            }
            else
            {
                outcome = await ingestion.IngestAsync(request.Body, filename, request.ContentType, tenant, cancellationToken);
            }

            return outcome switch
            {
                IngestionOutcome.Accepted a => TypedResults.Accepted($"/v1/documents/{a.Status.Document.Id}", DocumentResponse.From(a.Status)),
                IngestionOutcome.Existing e => TypedResults.Ok(DocumentResponse.From(e.Status)),
                IngestionOutcome.Rejected r => Problem(r),
                IngestionOutcome.Unavailable u => Unavailable(request.HttpContext, u.Detail),
                _ => throw new InvalidOperationException("Unknown ingestion outcome."),
            };
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(IngestionService.TooLarge(FileNames.Sanitize(filename), limit));
        }
        catch (InvalidDataException)
        {
            return Results.Problem(statusCode: 400, title: "Malformed multipart body",
                detail: "The multipart body could not be read: check its boundary, headers and line lengths.");
        }
    }

    private static async Task<(Stream Body, string? FileName, string? ContentType)?> FindFileSectionAsync(
        MultipartReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                && HeaderUtilities.RemoveQuotes(disposition.Name).Equals("file", StringComparison.Ordinal))
            {
                var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar).Value
                           ?? HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                return (section.Body, name, section.ContentType);
            }
        }

        return null;
    }

    private static async Task<IResult> GetAsync(
        string id, HttpRequest request, IStatusStore statuses, PipelineSampler sampler, TimeProvider time, CancellationToken cancellationToken)
    {
        var status = await statuses.GetAsync(id, cancellationToken);
        return status is null || status.Document.Tenant != request.HttpContext.GetCaller().Tenant
            ? NotFound(id)
            : TypedResults.Ok(WithEstimate(status, sampler.Latest, time.GetUtcNow()));
    }

    private static async Task<IResult> ListAsync(
        HttpRequest request, IStatusStore statuses, PipelineSampler sampler, TimeProvider time, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        var tenant = request.HttpContext.GetCaller().Tenant;
        var page = await statuses.ListAsync(tenant, Math.Clamp(limit ?? 50, 1, MaxPageSize), cursor, cancellationToken);
        var (sample, now) = (sampler.Latest, time.GetUtcNow());
        return TypedResults.Ok(new DocumentPage([.. page.Items.Select(s => WithEstimate(s, sample, now))], page.Next));
    }

    /// <summary>The document's response with its completion estimate, derived from the latest sample (never stored).</summary>
    private static DocumentResponse WithEstimate(DocumentStatus status, PipelineSample? sample, DateTimeOffset now)
        => DocumentResponse.From(status, CompletionEstimate.For(status, sample, now));

    private static async Task<IResult> ChunksAsync(
        string id, HttpRequest request, IStatusStore statuses, IChunkStore chunks, int? from, int? limit, CancellationToken cancellationToken)
    {
        var status = await statuses.GetAsync(id, cancellationToken);
        if (status is null || status.Document.Tenant != request.HttpContext.GetCaller().Tenant)
        {
            return NotFound(id);
        }

        var size = Math.Clamp(limit ?? 100, 1, MaxPageSize);
        var start = Math.Max(from ?? 0, 0);
        var items = await chunks.ListAsync(id, start, size + 1, cancellationToken);
        var total = await chunks.CountAsync(id, cancellationToken);
        int? next = items.Count > size ? items[size].Index : null;
        return TypedResults.Ok(new ChunkPage(id, total, [.. items.Take(size).Select(ChunkResponse.From)], next));
    }

    private static async Task<IResult> SummaryAsync(
        string id, HttpRequest request, IStatusStore statuses, ISummaryStore summaries, CancellationToken cancellationToken)
    {
        var status = await statuses.GetAsync(id, cancellationToken);
        if (status is null || status.Document.Tenant != request.HttpContext.GetCaller().Tenant)
        {
            return NotFound(id);
        }

        var summary = await summaries.GetAsync(id, cancellationToken);
        if (summary is null)
        {
            var stage = !status.Stages.TryGetValue("summarize", out var s) ? "pending"
                : s is { State: StageState.Retrying, NextAttemptAt: { } next } ? $"retrying at {next:O}"
                : DocumentResponse.Lower(s.State.ToString());
            return TypedResults.Problem(statusCode: 404, title: "No summary yet",
                detail: $"Document '{id}' has no summary yet (summarize: {stage}).");
        }

        return TypedResults.Ok(new SummaryResponse(id, summary.Text, summary.Summarizer, summary.CreatedAt));
    }

    private static async Task<IResult> DeleteAsync(
        string id, HttpRequest request, DocumentDeletionService deletion, CancellationToken cancellationToken)
    {
        var tenant = request.HttpContext.GetCaller().Tenant;
        return await deletion.DeleteAsync(id, tenant, cancellationToken) == DeletionOutcome.NotFound
            ? NotFound(id)
            : TypedResults.NoContent();
    }

    private static ProblemHttpResult Problem(IngestionOutcome.Rejected rejected)
        => TypedResults.Problem(statusCode: rejected.StatusCode, title: rejected.Title, detail: rejected.Detail);

    private static ProblemHttpResult NotFound(string id)
        => TypedResults.Problem(statusCode: 404, title: "Document not found", detail: $"No document has the id '{id}'.");

    private static ProblemHttpResult Unavailable(HttpContext context, string detail)
    {
        context.Response.Headers.RetryAfter = "5";
        return TypedResults.Problem(statusCode: 503, title: "Event log unavailable", detail: detail);
    }
}
