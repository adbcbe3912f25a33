using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Server.Telemetry;

/// <summary>
/// When an unfinished document should be done, from the latest <see cref="PipelineSample"/>; derived on every read,
/// never stored. For each pipeline stage the document has not finished, the wait is the stage's backlog (its group's
/// lag) divided by its recent throughput (records its group got past per second between the last two samples): the
/// time the stage needs to reach everything queued before this document. A stage that is retrying the document starts
/// no earlier than its next attempt. Stages run in the order the catalog wires them (a stage follows the one whose
/// output is its input), so a stage's wait starts when the stages before it are done, and branches that run side by
/// side (<c>summarize</c> beside <c>chunk → embed → index</c>) count once, the longest: the estimate is the latest of
/// the stages' finishing times.
/// <para>
/// There is no estimate (null) for a finished document, without a sample, with a sample older than three intervals,
/// or when a stage the document still needs has a backlog but no recent throughput (stopped, or just started): no
/// estimate rather than a wrong one. A stage with no backlog adds nothing: its handling time is not known here, so the
/// estimate is a lower bound when the pipeline is idle.
/// </para>
/// </summary>
public static class CompletionEstimate
{
    /// <summary>A sample older than this many intervals is too old to estimate from.</summary>
    private const int FreshIntervals = 3;

    public static DateTimeOffset? For(DocumentStatus status, PipelineSample? sample, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (status.State is not (DocumentState.Accepted or DocumentState.Processing)
            || sample is null
            || now - sample.At > sample.Interval * FreshIntervals)
        {
            return null;
        }

        var done = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var stage in StageCatalog.Pipeline)
        {
            var state = status.Stages.TryGetValue(stage.Name, out var s) ? s : null;
            if (state?.State == StageState.Succeeded)
            {
                done[stage.Name] = now;
                continue;
            }

            if (sample.Find(stage.Name) is not { Lag: { } lag } stageSample)
            {
                return null;
            }

            double wait = 0;
            if (lag > 0)
            {
                if (stageSample.ThroughputPerSecond is not > 0)
                {
                    return null;
                }

                wait = lag / stageSample.ThroughputPerSecond.Value;
            }

            var start = StageCatalog.Pipeline
                .Where(p => p.Outputs.Contains(stage.InputTopic, StringComparer.Ordinal) && done.ContainsKey(p.Name))
                .Select(p => done[p.Name])
                .Append(now)
                .Max();
            if (state is { State: StageState.Retrying, NextAttemptAt: { } next } && next > start)
            {
                start = next;
            }

            done[stage.Name] = start + TimeSpan.FromSeconds(wait);
        }

        return done.Values.Append(now).Max();
    }
}
