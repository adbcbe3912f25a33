using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>A producer handle; every producer of a log shares its writer (and so its group commits).</summary>
internal sealed class SqliteEventProducer(ProduceWriter writer, int maxRecordBytes) : IEventProducer
{
    private bool _disposed;

    public Task<IReadOnlyList<TopicPartitionOffset>> ProduceAsync(
        IReadOnlyList<OutgoingRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (records.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<TopicPartitionOffset>>([]);
        }

        ProduceRequest request;
        try
        {
            request = ProduceRequest.Create(records, maxRecordBytes, cancellationToken);
        }
        catch (EventLogException exception)
        {
            return Task.FromException<IReadOnlyList<TopicPartitionOffset>>(exception);
        }

        return writer.ProduceAsync(request, cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }
}
