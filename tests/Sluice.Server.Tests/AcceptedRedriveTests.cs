using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Server.Ingestion;
using Sluice.Server.Maintenance;

namespace Sluice.Server.Tests;

/// <summary>Documents registered but never published (the upload crashed in between) are published by the redrive.</summary>
public class AcceptedRedriveTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RegisteredButNeverPublished_IsPublishedOnceOlderThanTheAge_AndCompletes_WhileAYoungerOneWaits()
    {
        var clock = new ManualClock(T0);
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Sluice:Redrive:After"] = "00:02:00",
                ["Sluice:Redrive:Interval"] = "00:00:00.100",
            },
            services => services.AddSingleton<TimeProvider>(clock));
        var statuses = host.Services.GetRequiredService<IStatusStore>();

        // What an upload that crashed between its registration and its publish leaves behind.
        var old = await RegisterWithoutPublishingAsync(host, "old.txt", T0 - TimeSpan.FromMinutes(3));
        var young = await RegisterWithoutPublishingAsync(host, "young.txt", T0 - TimeSpan.FromMinutes(1));

        var done = await host.WaitForTerminalAsync(old);
        Assert.Equal("completed", done.Status);
        Assert.True(done.Chunks > 0);

        // The sweep that published the old one saw the younger one too, and left it alone.
        Assert.Equal(DocumentState.Accepted, (await statuses.GetAsync(young, Ct))!.State);

        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("completed", (await host.WaitForTerminalAsync(young)).Status);
    }

    [Fact]
    public async Task ASweep_PublishesTheUploadsOwnEvent_OncePerProcess()
    {
        var clock = new ManualClock(T0);
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?> { ["Sluice:Redrive:Enabled"] = "false", ["Sluice:Stages"] = "" },
            services => services.AddSingleton<TimeProvider>(clock));
        var id = await RegisterWithoutPublishingAsync(host, "a.txt", T0 - TimeSpan.FromMinutes(5));
        var redrive = host.Services.GetRequiredService<AcceptedRedrive>();
        await using var producer = host.Services.GetRequiredService<IEventLog>().CreateProducer();

        Assert.Equal(1, await redrive.RedriveAsync(producer, Ct));
        Assert.Equal(0, await redrive.RedriveAsync(producer, Ct));

        var submitted = Assert.Single(await host.ReadAllAsync(Topics.DocumentsSubmitted));
        var envelope = EventEnvelope.Parse(submitted.Value.Span);
        var document = (await host.Services.GetRequiredService<IStatusStore>().GetAsync(id, Ct))!.Document;
        Assert.Equal(SubmittedEvent.For(document, T0).Id, envelope.Id);
        Assert.Equal(Ids.Derive("submitted", id, "1"), envelope.Id);
        Assert.Equal(document.Source, envelope.GetData<DocumentSubmitted>().Source);
    }

    [Fact]
    public async Task APublishedDocument_WaitingInABacklog_IsNeverPublishedAgain_EvenByTheNextProcess()
    {
        // A backlog: the document was published, but no stage has reported on it yet (no stage runs here), so it is
        // still accepted long after the redrive's age. Every process starts its sweep from the beginning of the
        // backlog, so under restarts it must tell a published document from one that never was.
        var clock = new ManualClock(T0);
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?> { ["Sluice:Redrive:Enabled"] = "false", ["Sluice:Stages"] = "" },
            services => services.AddSingleton<TimeProvider>(clock));
        var published = await host.AcceptAsync(Encoding.UTF8.GetBytes("Published at once, then stuck behind a long queue."), "queued.txt");
        var crashed = await RegisterWithoutPublishingAsync(host, "crashed.txt", T0);
        clock.Advance(TimeSpan.FromMinutes(10));
        await using var producer = host.Services.GetRequiredService<IEventLog>().CreateProducer();

        // Two processes, one after the other, each with a redrive of its own.
        foreach (var _ in new[] { "first process", "next process" })
        {
            var redrive = ActivatorUtilities.CreateInstance<AcceptedRedrive>(host.Services);
            await redrive.RedriveAsync(producer, Ct);
        }

        var submitted = (await host.ReadAllAsync(Topics.DocumentsSubmitted)).Select(r => r.Key).ToList();
        Assert.Equal(1, submitted.Count(k => k == published.Id));
        Assert.Equal(1, submitted.Count(k => k == crashed));
    }

    [Fact]
    public async Task StatusRetention_PrunesWithTheConfiguredAges()
    {
        var clock = new ManualClock(T0);
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?> { ["Sluice:Stages"] = "", ["Sluice:Retention:StatusEvents"] = "8.00:00:00", ["Sluice:Retention:DeletedDocuments"] = "10.00:00:00" },
            services => services.AddSingleton<TimeProvider>(clock));
        var statuses = host.Services.GetRequiredService<IStatusStore>();
        var id = await RegisterWithoutPublishingAsync(host, "a.txt", T0);
        var running = EventEnvelope.Create(Topics.DocumentsStatus, "default", id, new StageStatusChanged("extract", StageState.Running, 1), "e1", T0);
        Assert.True(await statuses.ApplyAsync(running, Ct));
        await statuses.DeleteAsync(id, Ct);
        var retention = host.Services.GetRequiredService<StatusRetention>();

        clock.Advance(TimeSpan.FromDays(9));
        Assert.Equal(new StatusPruning(1, 0), await retention.PruneAsync(Ct));
        Assert.True(await statuses.IsDeletedAsync(id, Ct));

        clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(new StatusPruning(0, 1), await retention.PruneAsync(Ct));
        Assert.False(await statuses.IsDeletedAsync(id, Ct));
    }

    [Theory]
    [InlineData("Sluice:Retention:StatusEvents", "1.00:00:00")]
    [InlineData("Sluice:Retention:DeletedDocuments", "7.00:00:00")]
    public async Task Retention_ShorterThanTheLogs_IsRejectedAtStartUp(string key, string value)
    {
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => SluiceTestHost.StartAsync(new Dictionary<string, string?> { [key] = value, ["Sluice:Stages"] = "" }));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> RegisterWithoutPublishingAsync(SluiceTestHost host, string fileName, DateTimeOffset acceptedAt)
    {
        var bytes = Encoding.UTF8.GetBytes(TestDocuments.Prose(40) + " " + fileName);
        var source = await host.Services.GetRequiredService<IBlobStore>().PutAsync(new MemoryStream(bytes), "text/plain", cancellationToken: Ct);
        var id = Ids.Document("default", source.Sha256);
        var (status, created) = await host.Services.GetRequiredService<IStatusStore>().RegisterAsync(
            new DocumentRecord(id, "default", fileName, "text/plain", "text", source, acceptedAt), Ct);
        Assert.True(created);
        Assert.Equal(DocumentState.Accepted, status.State);
        return id;
    }
}
