using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Server.Security;
using Sluice.Server.Telemetry;

namespace Sluice.Server.Api;

/// <summary>
/// <c>GET /v1/pipeline</c> (admin): the latest pipeline sample as JSON, what <c>sluice top</c> shows. Every tenant's
/// documents are in it, hence admin only. Answered from memory (<see cref="PipelineSampler.Latest"/>); only before the
/// first sample does a request take one itself.
/// </summary>
public static class PipelineApi
{
    public static RouteGroupBuilder MapPipelineApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/v1/pipeline").WithTags("Pipeline").RequireAuthorization(SluiceAuthentication.Policy(SluiceRole.Admin));
        group.MapGet("/", GetAsync)
            .WithSummary("Per stage: consumer lag, oldest unread age, throughput, running, retries waiting, dead letters; documents by state; the newest unfinished documents (admin)");
        return group;
    }

    private static async Task<IResult> GetAsync(PipelineSampler sampler, TimeProvider time, CancellationToken cancellationToken)
    {
        var sample = sampler.Latest ?? await sampler.SampleAsync(cancellationToken);
        return TypedResults.Ok(PipelineResponse.From(sample, time.GetUtcNow()));
    }
}

/// <summary>The body of <c>GET /v1/pipeline</c>.</summary>
/// <param name="At">When the sample was taken.</param>
/// <param name="IntervalSeconds">Seconds between samples (<c>Sluice:Telemetry:LagInterval</c>).</param>
/// <param name="Stages">Every stage, in pipeline order.</param>
/// <param name="Documents">Live documents by state (zeros when the status store could not be read this time).</param>
/// <param name="InProgress">Up to 20 newest unfinished documents of every tenant.</param>
public sealed record PipelineResponse(
    DateTimeOffset At, double IntervalSeconds, IReadOnlyList<PipelineStageResponse> Stages, PipelineDocumentsResponse Documents, IReadOnlyList<InProgressResponse> InProgress)
{
    public static PipelineResponse From(PipelineSample sample, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return new PipelineResponse(
            sample.At,
            sample.Interval.TotalSeconds,
            [.. sample.Stages.Select(s => PipelineStageResponse.From(s, sample, now))],
            sample.Counts is { } counts
                ? new PipelineDocumentsResponse(
                    counts.Of(DocumentState.Accepted), counts.Of(DocumentState.Processing), counts.Of(DocumentState.Completed),
                    counts.Of(DocumentState.Failed), counts.Of(DocumentState.DeadLettered))
                : new PipelineDocumentsResponse(0, 0, 0, 0, 0),
            [.. sample.InProgress.Select(d => InProgressResponse.From(d, sample, now))]);
    }
}

/// <summary>
/// One stage: its group's lag on its input topic (total and per partition), the age of its oldest unread record, its
/// recent throughput, documents it is running now, records waiting per retry tier and dead letters parked. Every number
/// is there (clients read them as numbers): a figure the sample could not read is 0, and then the stage lists no
/// partitions (lag), or <c>retryWaiting</c> is null (retries); throughput is 0 until two samples were taken.
/// </summary>
public sealed record PipelineStageResponse(
    string Stage,
    string Group,
    long Lag,
    double OldestAgeSeconds,
    double ThroughputPerSecond,
    long Running,
    IReadOnlyDictionary<string, long>? RetryWaiting,
    long DeadLetters,
    IReadOnlyList<PipelinePartitionResponse> Partitions)
{
    public static PipelineStageResponse From(StageSample stage, PipelineSample sample, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stage);
        ArgumentNullException.ThrowIfNull(sample);
        return new PipelineStageResponse(
            stage.Stage.Name,
            stage.Group,
            stage.Lag ?? 0,
            Math.Round(stage.OldestAgeSeconds(now), 3),
            Math.Round(stage.ThroughputPerSecond ?? 0, 3),
            sample.Counts?.Of(stage.Stage.Name, StageState.Running) ?? 0,
            stage.RetryWaiting ?? (stage.Stage.IsProjection ? new Dictionary<string, long>() : null),
            stage.DeadLetters ?? 0,
            [.. (stage.Partitions ?? []).Select(p => new PipelinePartitionResponse(p.Topic, p.Partition, p.Committed, p.End, p.Lag))]);
    }
}

/// <summary>The group's position on one partition of its input topic.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition.</param>
/// <param name="Committed">The group's committed offset; null when it never committed on the partition.</param>
/// <param name="End">The partition's end offset (high watermark).</param>
/// <param name="Lag">Records the group has still to read there.</param>
public sealed record PipelinePartitionResponse(string Topic, int Partition, long? Committed, long End, long Lag);

public sealed record PipelineDocumentsResponse(long Accepted, long Processing, long Completed, long Failed, long DeadLettered);

/// <summary>An unfinished document: where it is (the stage at work on it, or the next one it waits for) and its estimate.</summary>
public sealed record InProgressResponse(
    string Id, string Tenant, string FileName, string State, string? Stage, double? Progress, DateTimeOffset? EstimatedCompletionAt)
{
    public static InProgressResponse From(DocumentStatus status, PipelineSample sample, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        var current = CurrentStage(status);
        return new InProgressResponse(
            status.Document.Id,
            status.Document.Tenant,
            status.Document.FileName,
            DocumentResponse.Lower(status.State.ToString()),
            current,
            current is not null && status.Stages.TryGetValue(current, out var s) ? s.Progress : null,
            CompletionEstimate.For(status, sample, now));
    }

    /// <summary>The first pipeline stage running or retrying the document; otherwise the first it has not finished.</summary>
    private static string? CurrentStage(DocumentStatus status)
    {
        var unfinished = StageCatalog.PipelineNames
            .Where(n => !status.Stages.TryGetValue(n, out var s) || s.State != StageState.Succeeded)
            .ToList();
        return unfinished.FirstOrDefault(n => status.Stages.TryGetValue(n, out var s) && s.State is StageState.Running or StageState.Retrying)
               ?? unfinished.FirstOrDefault();
    }
}
