using Sluice.Core.Blobs;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// A read-only wrapper that counts the bytes read and throws once more than <c>allowed</c> come out,
/// so inflating a compressed part stops at the limit instead of at the end of memory.
/// </summary>
internal sealed class LimitedReadStream(Stream inner, long allowed, long reportedLimit) : ForwardReadStream
{
    public long BytesRead { get; private set; }

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        return Count(read);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        return Count(read);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        BytesRead += read;
        return BytesRead > allowed ? throw ExtractionErrors.DocxTooLarge(reportedLimit) : read;
    }
}
