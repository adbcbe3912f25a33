using System.Text;
using Microsoft.Extensions.Options;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.Embedded;

namespace Sluice.Server.Tests;

/// <summary>The embedded log's hard retention cap deleting unread records makes the process not ready, with a reason.</summary>
public sealed class RetentionLossReportingTests : IDisposable
{
    private readonly TestDirectory _directory = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task UnreadRecordsDeletedByTheHardCap_AreReportedToReadiness()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var readiness = new ReadinessSignals();
        await using var log = RetentionLossReporting.Wire(
            new SqliteEventLog(
                Options.Create(new SqliteEventLogOptions
                {
                    Path = Path.Combine(_directory.Path, "log.db"),
                    DefaultRetention = TimeSpan.FromDays(1),
                    MaxRetention = TimeSpan.FromDays(3),
                }),
                null,
                clock),
            readiness,
            clock);
        await log.EnsureTopicsAsync([new TopicSpec("chunks.created", 1)], Ct);
        await using (var stage = log.CreateConsumer(new ConsumerSettings("embed", ["chunks.created"])))
        {
            await stage.PollAsync(1, TimeSpan.FromMilliseconds(50), Ct); // subscribes, then goes down before reading
        }

        await log.CreateProducer().ProduceAsync([new OutgoingRecord("chunks.created", "doc", Encoding.UTF8.GetBytes("{}"))], Ct);
        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(0, await log.SweepRetentionAsync(Ct));
        Assert.True(readiness.IsReady);

        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, await log.SweepRetentionAsync(Ct));

        var problem = Assert.Single(readiness.Problems);
        Assert.Equal(RetentionLossReporting.Component, problem.Component);
        Assert.Contains("chunks.created[0]", problem.Reason, StringComparison.Ordinal);
        Assert.Contains("embed", problem.Reason, StringComparison.Ordinal);
    }
}
