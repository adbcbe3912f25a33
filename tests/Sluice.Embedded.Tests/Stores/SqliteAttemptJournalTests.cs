using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;

namespace Sluice.Embedded.Tests.Stores;

/// <summary>The attempt journal on SQLite: starts of processes that died count, starts of live processes do not.</summary>
public sealed class SqliteAttemptJournalTests : IDisposable
{
    private static readonly AttemptKey Record = new("extract", "documents.submitted", 3, 42);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-attempts", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartsOfDeadProcesses_Count_StartsOfLiveOnes_DoNot_AndEndingTheRecordForgetsThemAll()
    {
        using (var firstDead = Journal(Dead(1)))
        {
            Assert.Equal(new AttemptHistory(0, 0), await firstDead.BeginAsync(Record, Ct));
        }

        using (var secondDead = Journal(Dead(2)))
        {
            Assert.Equal(new AttemptHistory(1, 0), await secondDead.BeginAsync(Record, Ct));
            await secondDead.MarkAloneAsync(Record, Ct); // it ran alone when it died
        }

        // A process that is alive (pid 1 here) and still handling the record, say before a rebalance: not a death.
        using var init = Process.GetProcessById(1);
        using (var alive = Journal(SqliteAttemptJournal.ProcessIdentity.Of(init)))
        {
            Assert.Equal(new AttemptHistory(2, 1), await alive.BeginAsync(Record, Ct));
        }

        using var self = Journal(SqliteAttemptJournal.ProcessIdentity.Current);
        Assert.Equal(new AttemptHistory(2, 1), await self.BeginAsync(Record, Ct));
        Assert.Equal(new AttemptHistory(0, 0), await self.BeginAsync(Record with { Offset = 43 }, Ct));
        Assert.Equal(new AttemptHistory(0, 0), await self.BeginAsync(Record with { Group = "chunk" }, Ct));

        await self.EndAsync(Record, Ct);

        Assert.Equal(new AttemptHistory(0, 0), await self.BeginAsync(Record, Ct));
    }

    /// <summary>
    /// A real worker process dies (Environment.FailFast) while handling one record; restarted, the record is a suspect and
    /// runs alone, and kills the next two processes too; the fourth start dead-letters it with the reason and goes on
    /// with the other records.
    /// </summary>
    [Fact]
    public async Task AWorkerThatDiesOnARecordAloneTwice_DeadLettersItOnTheNextStart_AndTheOtherRecordsComplete()
    {
        var log = new SqliteEventLog(Options.Create(new SqliteEventLogOptions
        {
            Path = Path.Combine(_directory, "log.db"),
            DefaultPartitions = 1,
            SessionTimeout = TimeSpan.FromSeconds(1),
        }));
        await log.EnsureTopicsAsync(
            [.. new[] { "crashy.in", "crashy.out", Topics.Retry("crashy", TimeSpan.FromSeconds(1)), Topics.DeadLetter("crashy") }.Select(t => new TopicSpec(t, 1))],
            Ct);
        await using (var producer = log.CreateProducer())
        {
            await producer.ProduceAsync(
                [.. new[] { "ok-1", "crash", "ok-2" }.Select((id, i) => EventRecords.ToRecord("crashy.in", EventEnvelope.Create("crashy.in", "default", id, new { I = i }, "in-" + id, DateTimeOffset.UtcNow)))],
                Ct);
        }

        for (var start = 1; start <= 3; start++)
        {
            using var dying = StartWorker();
            await dying.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
            Assert.NotEqual(0, dying.ExitCode);
            Assert.Contains("this record kills whoever handles it", await dying.StandardError.ReadToEndAsync(Ct), StringComparison.Ordinal);
        }

        using var third = StartWorker();
        try
        {
            var dead = await WaitForAsync(log, Topics.DeadLetter("crashy"), records => records.Count > 0);
            var parked = Assert.Single(dead);
            Assert.Equal("crash", parked.Key);
            Assert.StartsWith("the worker died while handling this document", parked.Headers[Headers.ErrorMessage], StringComparison.Ordinal);
            Assert.Equal("permanent", parked.Headers[Headers.ErrorType]);

            var done = await WaitForAsync(log, "crashy.out", records => records.Any(r => r.Key == "ok-2"));
            Assert.Equal(["ok-1", "ok-2"], done.Select(r => r.Key).Distinct().Order());
            Assert.False(third.HasExited, "the third worker handles the rest and keeps running");
        }
        finally
        {
            third.Kill();
            await third.WaitForExitAsync(CancellationToken.None);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A process that is gone: this process's id with another start time, as when an id is reused.</summary>
    private static SqliteAttemptJournal.ProcessIdentity Dead(int n)
        => SqliteAttemptJournal.ProcessIdentity.Current with { StartedMs = n };

    private SqliteAttemptJournal Journal(SqliteAttemptJournal.ProcessIdentity identity)
        => new(Options.Create(new SqliteStoreOptions { AttemptsPath = Path.Combine(_directory, "attempts.db") }), null, identity);

    private Process StartWorker()
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sluice-test-worker.dll"));
        info.ArgumentList.Add(_directory);
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        return Process.Start(info) ?? throw new InvalidOperationException("the worker did not start");
    }

    /// <summary>Everything on <paramref name="topic"/>, read again until <paramref name="enough"/> says so (or a minute passed).</summary>
    private static async Task<List<ConsumedRecord>> WaitForAsync(SqliteEventLog log, string topic, Func<List<ConsumedRecord>, bool> enough)
    {
        await using var consumer = log.CreateConsumer(new ConsumerSettings($"reader-{Guid.NewGuid():N}", [topic]));
        var records = new List<ConsumedRecord>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!enough(records))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{topic} holds only {records.Count} record(s) after a minute");
            records.AddRange(await consumer.PollAsync(100, TimeSpan.FromMilliseconds(200), Ct));
        }

        return records;
    }
}
