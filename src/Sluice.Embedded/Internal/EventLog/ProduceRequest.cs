using System.Runtime.InteropServices;
using System.Text;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>One produce call waiting for the writer; completes once its records are committed.</summary>
internal sealed class ProduceRequest
{
    private readonly TaskCompletionSource<IReadOnlyList<TopicPartitionOffset>> _completion =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProduceRequest(PreparedRecord[] records, long bytes, CancellationToken cancellationToken)
    {
        Records = records;
        Bytes = bytes;
        CancellationToken = cancellationToken;
    }

    public PreparedRecord[] Records { get; }

    public long Bytes { get; }

    public CancellationToken CancellationToken { get; }

    public Task<IReadOnlyList<TopicPartitionOffset>> Completion => _completion.Task;

    /// <summary>Validates and encodes the records; throws a non-transient <see cref="EventLogException"/> for invalid ones.</summary>
    public static ProduceRequest Create(IReadOnlyList<OutgoingRecord> records, int maxRecordBytes, CancellationToken cancellationToken)
    {
        var prepared = new PreparedRecord[records.Count];
        long total = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i] ?? throw EventLogErrors.Permanent($"Record {i} is null.");
            if (string.IsNullOrEmpty(record.Topic))
            {
                throw EventLogErrors.Permanent($"Record {i} has no topic.");
            }

            var key = record.Key ?? throw EventLogErrors.Permanent($"Record {i} has no key.");
            var size = (long)Encoding.UTF8.GetByteCount(key) + record.Value.Length + HeaderCodec.Size(record.Headers);
            if (size > maxRecordBytes)
            {
                throw EventLogErrors.Permanent(
                    $"Record {i} for topic '{record.Topic}' is {size} bytes, over the {maxRecordBytes}-byte limit; nothing of this call was written.");
            }

            var value = MemoryMarshal.TryGetArray(record.Value, out var segment)
                && segment.Offset == 0 && segment.Count == segment.Array!.Length
                    ? segment.Array
                    : record.Value.ToArray();
            prepared[i] = new PreparedRecord(record.Topic, key, value, HeaderCodec.Encode(record.Headers));
            total += size;
        }

        return new ProduceRequest(prepared, total, cancellationToken);
    }

    public void Complete(IReadOnlyList<TopicPartitionOffset> offsets) => _completion.TrySetResult(offsets);

    public void Fail(Exception exception) => _completion.TrySetException(exception);

    public void Cancel() => _completion.TrySetCanceled(CancellationToken);
}

internal sealed record PreparedRecord(string Topic, string Key, byte[] Value, string? Headers);
