namespace Sluice.Processing.Tests.Extraction;

/// <summary>A forward-only stream, as a verifying stream over a blob is.</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(buffer, cancellationToken);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Runs the extractor the way the pipeline does: non-seekable input, with a generous time limit.</summary>
internal static class Extract
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static Task<ExtractedText> BytesAsync(byte[] content, string format, ExtractionOptions? options = null) =>
        StreamAsync(new MemoryStream(content), format, options);

    public static async Task<ExtractedText> StreamAsync(Stream content, string format, ExtractionOptions? options = null)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var input = new NonSeekableStream(content);
        var extractor = new DocumentExtractor(options ?? new ExtractionOptions());
        return await extractor.ExtractAsync(input, format, timeout.Token).WaitAsync(Timeout, TestContext.Current.CancellationToken);
    }

    public static async Task<ExtractionException> FailureAsync(byte[] content, string format, ExtractionOptions? options = null) =>
        await Assert.ThrowsAsync<ExtractionException>(() => BytesAsync(content, format, options));
}
