using System.Globalization;
using System.Text.Json;
using Sluice.Core.Events;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Server.Security;

namespace Sluice.Server.DeadLetters;

/// <summary>
/// Folds every stage's dead-letter topic into the <see cref="IDeadLetterStore"/> the API reads, in a consumer group
/// of its own (<c>dead-letters</c>). Records are kept raw: a poison event is listed as it came. Each record is saved
/// before its offset is committed; saving twice is harmless. It is a projection: it never moves past a record it has
/// not saved. Whatever fails (the log, the store), it stalls on that record, retries with backoff (up to
/// <see cref="MaxBackoff"/>), reports the process not ready until it succeeds, and then goes on.
/// </summary>
public sealed partial class DeadLetterProjection(
    IEventLog log, IDeadLetterStore store, ReadinessSignals readiness, TimeProvider time, ILogger<DeadLetterProjection> logger) : BackgroundService
{
    public const string Group = "dead-letters";

    /// <summary>The longest wait between two tries of a failing read, save or commit.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>The first wait after a failure (doubling up to <see cref="MaxBackoff"/>).</summary>
    internal TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    private int _failures;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await using var consumer = log.CreateConsumer(new ConsumerSettings(Group, [.. StageCatalog.DeadLetterTopics]));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var records = await UntilDoneAsync("read its topics", () => consumer.PollAsync(100, TimeSpan.FromMilliseconds(500), stoppingToken), stoppingToken);
                foreach (var record in records)
                {
                    await UntilDoneAsync($"save {record.Topic}[{record.Partition}]@{record.Offset}", async () =>
                    {
                        await store.SaveAsync(FromRecord(record), stoppingToken);
                        return true;
                    }, stoppingToken);
                }

                if (records.Count > 0)
                {
                    await UntilDoneAsync("commit", async () =>
                    {
                        await consumer.CommitAsync(
                            [.. records.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key.Topic, g.Key.Partition, g.Max(r => r.Offset) + 1))],
                            stoppingToken);
                        return true;
                    }, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Runs <paramref name="step"/> until it succeeds: a failure stalls the projection, it never skips a record.</summary>
    private async Task<T> UntilDoneAsync<T>(string what, Func<Task<T>> step, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                var result = await step();
                if (_failures > 0)
                {
                    _failures = 0;
                    readiness.Clear(Group);
                    LogRecovered(logger);
                }

                return result;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && stoppingToken.IsCancellationRequested))
            {
                _failures++;
                var delay = InitialBackoff * Math.Pow(2, Math.Min(_failures - 1, 16));
                delay = delay < MaxBackoff ? delay : MaxBackoff;
                readiness.Report(
                    Group,
                    $"the dead-letter projection cannot {what} ({ex.GetType().Name}, {_failures} attempt(s)); it moves past nothing and retries",
                    time.GetUtcNow());
                LogStalled(logger, ex, what, _failures, delay);
                await Task.Delay(delay, time, stoppingToken);
            }
        }
    }

    public static DeadLetter FromRecord(ConsumedRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var headers = record.Headers;
        var stage = headers.TryGetValue(Headers.ConsumerGroup, out var group) ? group : record.Topic[..record.Topic.LastIndexOf('.')];
        var failedAt = headers.TryGetValue(Headers.FailedAt, out var at) && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            ? parsed
            : record.Timestamp;
        return new DeadLetter(
            Ids.Derive("dead-letter", record.Topic, record.Partition.ToString(CultureInfo.InvariantCulture), record.Offset.ToString(CultureInfo.InvariantCulture)),
            stage,
            headers.TryGetValue(Headers.DocumentId, out var documentId) ? documentId : null,
            record.Topic,
            record.Partition,
            record.Offset,
            record.Key,
            record.Value,
            headers,
            failedAt)
        {
            Tenant = TenantOf(record.Value.Span),
        };
    }

    /// <summary>
    /// The tenant the event's envelope names, if it is one (a valid tenant name); null for a record that is not an
    /// envelope (a poison event names nobody, so only an administrator sees its dead letter).
    /// </summary>
    private static string? TenantOf(ReadOnlySpan<byte> value)
    {
        try
        {
            var tenant = EventEnvelope.Parse(value).Tenant;
            return Tenants.IsValid(tenant) ? tenant : null;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The dead-letter projection could not {What} (attempt {Attempt}); it moves past nothing and retries in {Delay}")]
    private static partial void LogStalled(ILogger logger, Exception exception, string what, int attempt, TimeSpan delay);

    [LoggerMessage(2, LogLevel.Information, "The dead-letter projection goes on")]
    private static partial void LogRecovered(ILogger logger);
}
