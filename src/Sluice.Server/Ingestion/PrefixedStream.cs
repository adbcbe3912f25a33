using Sluice.Core.Blobs;

namespace Sluice.Server.Ingestion;

/// <summary>Reads an already-read head, then the rest of the original stream: sniff first, still stream all.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> head, Stream rest) : ForwardReadStream
{
    private int _headPosition;

    public override int Read(Span<byte> buffer)
        => TakeHead(buffer) is var n and > 0 ? n : rest.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => TakeHead(buffer.Span) is var n and > 0 ? ValueTask.FromResult(n) : rest.ReadAsync(buffer, cancellationToken);

    private int TakeHead(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, head.Length - _headPosition);
        if (n <= 0)
        {
            return 0;
        }

        head.Span.Slice(_headPosition, n).CopyTo(buffer);
        _headPosition += n;
        return n;
    }
}
