using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Tests.Events;

/// <summary>A document's stream ends with how it ended when that is not success: failed, or dead-lettered, with the error.</summary>
public sealed class StatusEventsFailureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFailedDocumentsStream_EndsWithFailed_AndItsError()
    {
        // The API host's stages dead-letter what fails (they use retry topics); a stage that retries in place reports
        // "failed" instead. Its reports are applied here as the status projection would, while the stages hang.
        var gate = new GatedEmbedder();
        await using var host = await SluiceTestHost.StartAsync(services: s => s.AddSingleton<IEmbedder>(gate));
        using var release = gate; // opened before the host stops: its stages finish their attempt
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(20)), "refused.txt");
        await using var stream = await SseReader.OpenAsync(host.Client, $"/v1/documents/{document.Id}/events", cancellationToken: Ct);
        var running = new HashSet<string>();
        await stream.ReadUntilAsync(e =>
        {
            if (e.Type == "document.stage_changed" && e.Json.GetProperty("stageState").GetString() == "running")
            {
                running.Add(e.Json.GetProperty("stage").GetString()!);
            }

            return running.IsSupersetOf(["embed", "summarize"]);
        });

        var statuses = host.Services.GetRequiredService<IStatusStore>();
        foreach (var stage in new[] { "embed", "summarize" })
        {
            var failed = new StageStatusChanged(stage, StageState.Failed, 1, Error: "the embedder refused the request", ErrorType: "permanent");
            await statuses.ApplyAsync(EventEnvelope.Create(Topics.DocumentsStatus, "default", document.Id, failed, $"failed-{stage}", DateTimeOffset.UtcNow), Ct);
        }

        var last = (await stream.ReadToEndAsync())[^1];

        Assert.Equal("document.failed", last.Type);
        Assert.Equal("failed", last.Json.GetProperty("state").GetString());
        var error = last.Json.GetProperty("error");
        Assert.Equal("embed", error.GetProperty("stage").GetString());
        Assert.Equal("the embedder refused the request", error.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ADeadLetteredDocumentsStream_EndsWithDeadLettered_AndItsError()
    {
        await using var host = await SluiceTestHost.StartAsync(
            new Dictionary<string, string?> { ["Sluice:RetryDelays"] = "1s,1s" },
            s => s.AddSingleton<IEmbedder>(new FailingEmbedder()));
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(20)), "unreachable.txt");

        await using var stream = await SseReader.OpenAsync(host.Client, $"/v1/documents/{document.Id}/events", cancellationToken: Ct);
        var events = await stream.ReadToEndAsync();

        var last = events[^1];
        Assert.Equal("document.dead_lettered", last.Type);
        Assert.Equal("dead_lettered", last.Json.GetProperty("state").GetString());
        Assert.Equal("embed", last.Json.GetProperty("error").GetProperty("stage").GetString());
        Assert.Contains("gave up after 3 attempts", last.Json.GetProperty("error").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(events, e => e.Type == "document.stage_changed" && e.Json.GetProperty("stageState").GetString() == "retrying");
    }

    /// <summary>Holds every call until it is disposed, then answers as <see cref="HashingEmbedder"/> does.</summary>
    private sealed class GatedEmbedder : IEmbedder, IDisposable
    {
        private readonly HashingEmbedder _inner = new();
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public EmbedderInfo Info => _inner.Info;

        public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
        {
            await _open.Task.WaitAsync(cancellationToken);
            return await _inner.EmbedAsync(texts, cancellationToken);
        }

        public void Dispose() => _open.TrySetResult();
    }

    private sealed class FailingEmbedder : IEmbedder
    {
        private readonly HashingEmbedder _inner = new();

        public EmbedderInfo Info => _inner.Info;

        public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
            => throw new ProviderException("provider unavailable (503)") { IsTransient = true };
    }
}
