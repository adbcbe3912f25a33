using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;

namespace Sluice.Server.DeadLetters;

/// <summary>A bulk replay as the API shows it.</summary>
/// <param name="Id">The job id (its URL is <c>/v1/dead-letters/replays/{id}</c>).</param>
/// <param name="Stage">The stage whose dead letters it replays; null for every stage.</param>
/// <param name="Tenant">The tenant whose dead letters it replays; null for every tenant's (and those naming none).</param>
/// <param name="State"><c>running</c>, then <c>done</c>, <c>failed</c> (the event log kept failing) or <c>cancelled</c> (the process stopped).</param>
/// <param name="Total">Dead letters parked when the job began (at most its limit); dead letters parked later are left for another replay.</param>
/// <param name="Replayed">Published again.</param>
/// <param name="Skipped">No longer parked when the job reached them (replayed by someone else meanwhile).</param>
/// <param name="Failed">Their publish failed; they are parked again.</param>
/// <param name="StartedAt">When the job began.</param>
/// <param name="FinishedAt">When it ended; null while running.</param>
/// <param name="Error">Why a failed or cancelled job stopped.</param>
public sealed record ReplayJobView(
    string Id, string? Stage, string? Tenant, string State, int Total, int Replayed, int Skipped, int Failed,
    DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Error);

/// <summary>
/// Bulk replays, run in the background: each job pages through the parked dead letters (oldest first, 100 at a
/// time, up to the newest one parked when it began), replays them one by one through
/// <see cref="DeadLetterReplayer"/> (same token bucket, same compare-and-set) and counts what happened. Jobs live
/// in this process's memory: another API process does not know them, and a restart forgets them (the dead letters
/// a job had not reached stay parked; one it was publishing is parked again, at once on a clean stop, or by
/// <see cref="DeadLetterMaintenance"/> after a crash). Finished jobs stay readable for
/// <see cref="DeadLetterOptions.KeepFinishedJobsFor"/>.
/// </summary>
public sealed partial class ReplayJobs(
    IDeadLetterStore store, DeadLetterReplayer replayer, IOptions<DeadLetterOptions> options, TimeProvider time, ILogger<ReplayJobs> logger) : IAsyncDisposable
{
    private const int PageSize = 100;

    /// <summary>How long stopping waits for running jobs to put back what they were publishing.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();

    /// <summary>A job stops (as <c>failed</c>) after this many publishes in a row failed: the log is down, not one event.</summary>
    private const int FailuresInARowToGiveUp = 10;

    private readonly ConcurrentDictionary<string, Job> _jobs = new(StringComparer.Ordinal);

    /// <summary>
    /// Starts replaying the parked dead letters of <paramref name="stage"/> (every stage when null) and of
    /// <paramref name="tenant"/> (every tenant's when null), at most <paramref name="limit"/>.
    /// </summary>
    public ReplayJobView Start(string? stage, int? limit, string? tenant = null)
    {
        ForgetOldJobs();
        var job = new Job(Guid.NewGuid().ToString("N"), stage, tenant, time.GetUtcNow());
        _jobs[job.Id] = job;
        var run = Task.Run(() => RunAsync(job, limit ?? int.MaxValue, _stopping.Token)); // RunAsync catches everything and records it on the job
        _running[run] = 0;
        _ = run.ContinueWith(t => _running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return job.View();
    }

    /// <summary>
    /// Stops the running jobs and waits (up to 10 s) until they did: a publish they cancel parks its dead letter
    /// again, so a clean stop leaves nothing <c>replaying</c>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_running.Keys).WaitAsync(StopTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    public ReplayJobView? Get(string id) => _jobs.TryGetValue(id, out var job) ? job.View() : null;

    private async Task RunAsync(Job job, int limit, CancellationToken cancellationToken)
    {
        try
        {
            var newest = await store.ListAsync(job.Stage, parkedOnly: true, 1, null, job.Tenant, cancellationToken);
            if (newest.Count == 0)
            {
                job.Finish("done", null, time.GetUtcNow());
                return;
            }

            var upTo = newest[0].Id;
            job.Total = Math.Min(limit, await store.CountParkedAsync(job.Stage, upTo, job.Tenant, cancellationToken));
            string? after = null;
            var processed = 0;
            var failuresInARow = 0;
            while (processed < limit)
            {
                var wanted = Math.Min(PageSize, limit - processed);
                var page = await store.ListParkedOldestFirstAsync(job.Stage, after, upTo, wanted, job.Tenant, cancellationToken);
                foreach (var deadLetter in page)
                {
                    using (await replayer.AcquireForJobAsync(cancellationToken))
                    {
                        try
                        {
                            if (await replayer.PublishAsync(deadLetter, cancellationToken) is null)
                            {
                                Interlocked.Increment(ref job.Skipped);
                            }
                            else
                            {
                                Interlocked.Increment(ref job.Replayed);
                            }

                            failuresInARow = 0;
                        }
                        catch (EventLogException ex) when (!cancellationToken.IsCancellationRequested)
                        {
                            Interlocked.Increment(ref job.Failed);
                            LogPublishFailed(logger, job.Id, deadLetter.Id, ex);
                            if (++failuresInARow >= FailuresInARowToGiveUp)
                            {
                                job.Finish("failed", $"The event log refused {FailuresInARowToGiveUp} replays in a row; the rest stay parked. Try again once it is available.", time.GetUtcNow());
                                return;
                            }
                        }
                    }

                    processed++;
                }

                if (page.Count < wanted)
                {
                    break;
                }

                after = page[^1].Id;
            }

            // Those counted at the start but replayed by someone else before this job listed them.
            job.Total = Math.Max(job.Total, processed);
            Interlocked.Add(ref job.Skipped, job.Total - processed);
            job.Finish("done", null, time.GetUtcNow());
            LogJobDone(logger, job.Id, job.Stage ?? "all stages", job.Replayed, job.Skipped, job.Failed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            job.Finish("cancelled", "The API process stopped; the dead letters it had not replayed are still parked.", time.GetUtcNow());
        }
        catch (Exception ex)
        {
            LogJobFailed(logger, job.Id, ex);
            job.Finish("failed", "The dead-letter store could not be read; the rest stay parked. Try again.", time.GetUtcNow());
        }
    }

    private void ForgetOldJobs()
    {
        var before = time.GetUtcNow() - options.Value.KeepFinishedJobsFor;
        foreach (var (id, job) in _jobs)
        {
            if (job.FinishedAt is { } finished && finished < before)
            {
                _jobs.TryRemove(id, out _);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Replay job {JobId} could not publish dead letter {DeadLetterId}; it stays parked")]
    private static partial void LogPublishFailed(ILogger logger, string jobId, string deadLetterId, Exception exception);

    [LoggerMessage(2, LogLevel.Information, "Replay job {JobId} ({Stage}) done: {Replayed} replayed, {Skipped} skipped, {Failed} failed")]
    private static partial void LogJobDone(ILogger logger, string jobId, string stage, int replayed, int skipped, int failed);

    [LoggerMessage(3, LogLevel.Error, "Replay job {JobId} stopped")]
    private static partial void LogJobFailed(ILogger logger, string jobId, Exception exception);

    private sealed class Job(string id, string? stage, string? tenant, DateTimeOffset startedAt)
    {
        public int Replayed;
        public int Skipped;
        public int Failed;
        private volatile string _state = "running";

        public string Id => id;

        public string? Stage => stage;

        public string? Tenant => tenant;

        public int Total { get; set; }

        public DateTimeOffset? FinishedAt { get; private set; }

        public string? Error { get; private set; }

        public void Finish(string state, string? error, DateTimeOffset at)
        {
            Error = error;
            FinishedAt = at;
            _state = state; // last: a reader that sees the end sees the final counts too
        }

        public ReplayJobView View()
        {
            var state = _state;
            return new ReplayJobView(id, stage, tenant, state, Total, Volatile.Read(ref Replayed), Volatile.Read(ref Skipped), Volatile.Read(ref Failed), startedAt, FinishedAt, Error);
        }
    }
}
