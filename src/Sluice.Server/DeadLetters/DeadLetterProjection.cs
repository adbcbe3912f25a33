using System.Globalization;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Processing.Stages;

namespace Sluice.Server.DeadLetters;

/// <summary>
/// Folds every stage's dead-letter topic into the <see cref="IDeadLetterStore"/> the API reads, in a consumer group
/// of its own (<c>dead-letters</c>). Records are kept raw: a poison event is listed as it came. Each record is saved
/// before its offset is committed; saving twice is harmless.
/// </summary>
public sealed partial class DeadLetterProjection(IEventLog log, IDeadLetterStore store, ILogger<DeadLetterProjection> logger) : BackgroundService
{
    public const string Group = "dead-letters";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await using var consumer = log.CreateConsumer(new ConsumerSettings(Group, [.. StageNames.Pipeline.Select(Topics.DeadLetter)]));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var records = await consumer.PollAsync(100, TimeSpan.FromMilliseconds(500), stoppingToken);
                foreach (var record in records)
                {
                    await store.SaveAsync(FromRecord(record), stoppingToken);
                }

                if (records.Count > 0)
                {
                    await consumer.CommitAsync(
                        [.. records.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key.Topic, g.Key.Partition, g.Max(r => r.Offset) + 1))],
                        stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is EventLogException { IsTransient: true } or Microsoft.Data.Sqlite.SqliteException or IOException)
            {
                // Not saved or not committed: read again later, never skipped.
                LogUnavailable(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
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
            failedAt);
    }

    [LoggerMessage(1, LogLevel.Warning, "The dead-letter projection could not read or save; retrying")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
