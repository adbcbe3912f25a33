using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded;

namespace Sluice.Server.Tests.Readiness;

/// <summary>Problem bodies carry a fixed detail and a trace id, never an exception's text.</summary>
public sealed class ProblemBodyTests
{
    private const string Secret = "Password=hunter2;Data Source=/srv/secret/summaries.db";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUnhandledException_Answers500ProblemWithATraceId_AndNoExceptionText()
    {
        await using var host = await SluiceTestHost.StartAsync(
            services: services => services.AddSingleton<ISummaryStore>(sp => new FailingSummaryStore(ActivatorUtilities.CreateInstance<SqliteSummaryStore>(sp))));
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(5)), "notes.txt");

        using var response = await host.Client.GetAsync(new Uri($"/v1/documents/{document.Id}/summary", UriKind.Relative), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("traceId").GetString()));
        AssertNoExceptionText(body);
    }

    [Fact]
    public async Task AnEventLogThatRefusesThePublish_Answers503WithRetryAfter_AndNoExceptionText()
    {
        await using var host = await SluiceTestHost.StartAsync(
            services: services => services.AddSingleton<IEventLog>(sp => new RefusingProducerLog(sp.GetRequiredService<SqliteEventLog>())));

        using var response = await host.UploadAsync(Encoding.UTF8.GetBytes(TestDocuments.Prose(5)), "notes.txt", "text/plain");
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("Retry the same upload", body, StringComparison.Ordinal);
        AssertNoExceptionText(body);
    }

    private static void AssertNoExceptionText(string body)
    {
        Assert.DoesNotContain("hunter2", body, StringComparison.Ordinal);
        Assert.DoesNotContain("/srv/secret", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
    }

    /// <summary>Summaries are saved as usual; reading one fails as a broken store would, with details in the message.</summary>
    private sealed class FailingSummaryStore(ISummaryStore inner) : ISummaryStore
    {
        public Task SaveAsync(Summary summary, CancellationToken cancellationToken = default) => inner.SaveAsync(summary, cancellationToken);

        public Task<Summary?> GetAsync(string documentId, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException($"Could not open {Secret}");

        public Task DeleteAsync(string documentId, CancellationToken cancellationToken = default) => inner.DeleteAsync(documentId, cancellationToken);
    }

    /// <summary>Consumers work; every publish fails as an unreachable log's would, with details in the message.</summary>
    private sealed class RefusingProducerLog(IEventLog inner) : IEventLog
    {
        public Task EnsureTopicsAsync(IReadOnlyCollection<TopicSpec> topics, CancellationToken cancellationToken = default)
            => inner.EnsureTopicsAsync(topics, cancellationToken);

        public IEventProducer CreateProducer() => new RefusingProducer();

        public IEventConsumer CreateConsumer(ConsumerSettings settings) => inner.CreateConsumer(settings);

        public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string groupId, IReadOnlyCollection<string> topics, CancellationToken cancellationToken = default)
            => inner.GetLagAsync(groupId, topics, cancellationToken);
    }

    private sealed class RefusingProducer : IEventProducer
    {
        public Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken = default)
            => throw new EventLogException($"broker at {Secret} did not answer");

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
