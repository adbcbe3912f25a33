using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded;
using Sluice.Server.Api;
using Sluice.Server.DeadLetters;

namespace Sluice.Server.Tests;

/// <summary>
/// Replays publish once, wait in a bounded queue, and run in bulk as background jobs. The host runs no stage, so
/// what the replays publish stays on the retry topic to be counted; the dead letters are saved in the store directly.
/// </summary>
public sealed class DeadLetterReplayTests
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Dictionary<string, string?> Settings(int replaysPerSecond = 1000, int queueLimit = 100) => new()
    {
        ["Sluice:Stages"] = string.Empty,
        ["Sluice:RetryDelays"] = "1s",
        ["Sluice:ReplaysPerSecond"] = replaysPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sluice:DeadLetters:ReplayQueueLimit"] = queueLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task ConcurrentReplaysOfOneDeadLetter_PublishItExactlyOnce()
    {
        await using var host = await SluiceTestHost.StartAsync(Settings());
        await ParkAsync(host, 1);

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => PostAsync(host, "/v1/dead-letters/dl-0/replay")));

        Assert.Equal(1, answers.Count(a => a.Status == HttpStatusCode.Accepted));
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.Accepted), a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.Status);
            Assert.Equal("application/problem+json", a.MediaType);
        });
        var published = await host.ReadAllAsync(Topics.Retry("embed", FirstRetry));
        Assert.Single(published, r => r.Key == "doc-0");
        var after = await host.Client.GetFromJsonAsync<DeadLetterResponse>(new Uri("/v1/dead-letters/dl-0", UriKind.Relative), Ct);
        Assert.Equal(("replayed", 1), (after!.State, after.Replays));
    }

    [Fact]
    public async Task AFullReplayQueue_Answers429_WithRetryAfter_AndParksNothingItRefused()
    {
        // One replay a second and one waiting place: of six at once, one runs, one waits, the rest are refused.
        await using var host = await SluiceTestHost.StartAsync(Settings(replaysPerSecond: 1, queueLimit: 1));
        await ParkAsync(host, 6);

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => PostAsync(host, $"/v1/dead-letters/dl-{i}/replay")));

        var refused = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(refused.Count >= 3, string.Join(", ", answers.Select(a => (int)a.Status)));
        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests }));
        Assert.All(refused, a =>
        {
            Assert.Equal("application/problem+json", a.MediaType);
            Assert.NotNull(a.RetryAfter);
            Assert.True(a.RetryAfter >= TimeSpan.FromSeconds(1));
        });
        var parked = await host.Client.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters?state=parked", UriKind.Relative), Ct);
        Assert.Equal(refused.Count, parked!.Items.Count); // a refused replay left its dead letter parked
    }

    [Fact]
    public async Task ABulkReplay_Answers202AtOnce_WithAJobUrl_AndTheJobReachesDoneWithTheRightCounts()
    {
        // 100 a second: the 250 parked embed dead letters take a few seconds, long after the 202.
        await using var host = await SluiceTestHost.StartAsync(Settings(replaysPerSecond: 100));
        await ParkAsync(host, 253, i => i == 7 ? "chunk" : "embed");
        foreach (var id in new[] { "dl-0", "dl-1" })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host, $"/v1/dead-letters/{id}/replay")).Status);
        }

        using var started = await host.Client.PostAsync(new Uri("/v1/dead-letters/replay?stage=embed", UriKind.Relative), null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = (await started.Content.ReadFromJsonAsync<ReplayJobView>(Ct))!;
        Assert.Equal($"/v1/dead-letters/replays/{job.Id}", started.Headers.Location?.OriginalString);
        Assert.Equal("running", job.State);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (job.State == "running" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, Ct);
            job = (await host.Client.GetFromJsonAsync<ReplayJobView>(started.Headers.Location, Ct))!;
            Assert.True(job.Replayed + job.Skipped + job.Failed <= job.Total);
        }

        Assert.Equal(("done", 250, 250, 0, 0), (job.State, job.Total, job.Replayed, job.Skipped, job.Failed));
        Assert.Equal("embed", job.Stage);
        Assert.NotNull(job.FinishedAt);
        var published = await host.ReadAllAsync(Topics.Retry("embed", FirstRetry));
        Assert.Equal(252, published.Count);
        Assert.Equal(252, published.Select(r => r.Key).Distinct().Count());
        Assert.Empty(await host.ReadAllAsync(Topics.Retry("chunk", FirstRetry)));
        var parked = await host.Client.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters?state=parked", UriKind.Relative), Ct);
        Assert.Equal("dl-7", Assert.Single(parked!.Items).Id);

        using var unknown = await host.Client.GetAsync(new Uri("/v1/dead-letters/replays/nope", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var badStage = await host.Client.PostAsync(new Uri("/v1/dead-letters/replay?stage=nope", UriKind.Relative), null, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badStage.StatusCode);
    }

    [Fact]
    public async Task Upkeep_ParksStaleReplaysAgain_AndPrunesDeadLettersReplayedLongerAgoThanKeepReplayedFor()
    {
        await using var host = await SluiceTestHost.StartAsync(Settings());
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await ParkAsync(host, 4);
        var store = host.Services.GetRequiredService<IDeadLetterStore>();
        var upkeep = new DeadLetterMaintenance(
            store,
            host.Services.GetRequiredService<StoreErrors>(),
            Options.Create(new DeadLetterOptions { KeepReplayedFor = TimeSpan.FromDays(30), StaleReplayAfter = TimeSpan.FromMinutes(10) }),
            clock,
            NullLogger<DeadLetterMaintenance>.Instance);
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(host, "/v1/dead-letters/dl-0/replay")).Status);
        Assert.True(await store.TryBeginReplayAsync("dl-1", clock.GetUtcNow(), Ct)); // a replayer that dies now
        Assert.Equal((0, 0), await upkeep.RunOnceAsync(Ct));

        clock.Advance(TimeSpan.FromDays(20));
        Assert.True(await store.TryBeginReplayAsync("dl-2", clock.GetUtcNow(), Ct));
        Assert.True(await store.MarkReplayedAsync("dl-2", clock.GetUtcNow(), Ct));
        Assert.Equal((1, 0), await upkeep.RunOnceAsync(Ct));
        clock.Advance(TimeSpan.FromDays(11));
        Assert.Equal((0, 1), await upkeep.RunOnceAsync(Ct));

        Assert.Null(await store.GetAsync("dl-0", Ct));                         // replayed 31 days ago
        Assert.Equal("parked", (await store.GetAsync("dl-1", Ct))!.State);     // its replay never finished
        Assert.Equal("replayed", (await store.GetAsync("dl-2", Ct))!.State);   // replayed 11 days ago
        Assert.Equal("parked", (await store.GetAsync("dl-3", Ct))!.State);     // never replayed: kept
    }

    [Fact]
    public async Task StoppingDuringABulkReplay_CancelsTheJob_AndLeavesNoDeadLetterReplaying()
    {
        var directory = Directory.CreateTempSubdirectory("sluice-replay-stop-").FullName;
        try
        {
            var store = new SqliteDeadLetterStore(Options.Create(new SqliteStoreOptions
            {
                StatusPath = Path.Combine(directory, "status.db"),
                ChunksPath = Path.Combine(directory, "chunks.db"),
                DeadLettersPath = Path.Combine(directory, "dead-letters.db"),
            }));
            await using var log = new SqliteEventLog(Options.Create(new SqliteEventLogOptions { Path = Path.Combine(directory, "log.db") }));
            await ParkAsync(store, 40);
            var replayer = new DeadLetterReplayer(
                store, log, Options.Create(new SluiceOptions { RetryDelays = "1s", ReplaysPerSecond = 5 }), Options.Create(new DeadLetterOptions()), TimeProvider.System);
            var jobs = new ReplayJobs(store, replayer, Options.Create(new DeadLetterOptions()), TimeProvider.System, NullLogger<ReplayJobs>.Instance);

            var started = jobs.Start("embed", limit: null);
            while (jobs.Get(started.Id)!.Replayed < 5)
            {
                await Task.Delay(20, Ct);
            }

            await jobs.DisposeAsync(); // what the host does when it stops, before the replayer and the log go
            await replayer.DisposeAsync();

            var job = jobs.Get(started.Id)!;
            Assert.Equal("cancelled", job.State);
            Assert.InRange(job.Replayed, 5, 39);
            var all = await store.ListAsync(null, parkedOnly: false, 100, null, null, Ct);
            Assert.DoesNotContain(all, d => d.State == "replaying");
            Assert.Equal(job.Replayed, all.Count(d => d.State == "replayed"));
            Assert.Equal(40 - job.Replayed, all.Count(d => d.State == "parked"));
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static Task ParkAsync(SluiceTestHost host, int count, Func<int, string>? stageOf = null)
        => ParkAsync(host.Services.GetRequiredService<IDeadLetterStore>(), count, stageOf);

    private static async Task ParkAsync(IDeadLetterStore store, int count, Func<int, string>? stageOf = null)
    {
        for (var i = 0; i < count; i++)
        {
            var stage = stageOf?.Invoke(i) ?? "embed";
            await store.SaveAsync(
                new DeadLetter(
                    $"dl-{i}", stage, $"doc-{i}", Topics.DeadLetter(stage), 0, i, $"doc-{i}", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"),
                    new Dictionary<string, string> { [Headers.ConsumerGroup] = stage, [Headers.Attempts] = "3" },
                    DateTimeOffset.UtcNow),
                Ct);
        }
    }

    private static async Task<Answer> PostAsync(SluiceTestHost host, string path)
    {
        using var response = await host.Client.PostAsync(new Uri(path, UriKind.Relative), null, Ct);
        return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers.RetryAfter?.Delta);
    }

    private sealed record Answer(HttpStatusCode Status, string? MediaType, TimeSpan? RetryAfter);
}
