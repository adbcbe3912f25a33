using Sluice.Processing.Internal.Extraction;

namespace Sluice.Processing.Tests.Extraction;

public sealed class ZipBombGuardTests
{
    [Fact]
    public void Inflation_stops_at_the_limit_even_when_sizes_were_not_declared()
    {
        // What a lying zip entry looks like to the reader: a stream that just keeps producing bytes.
        using var endless = new LimitedReadStream(new RepeatingStream(), allowed: 1024 * 1024, reportedLimit: 1024 * 1024);

        var error = Assert.Throws<ExtractionException>(() => endless.CopyTo(Stream.Null));

        Assert.Equal("the DOCX expands beyond the limit of 1048576 bytes", error.Reason);
        Assert.InRange(endless.BytesRead, 1024 * 1024, 1024 * 1024 + 128 * 1024);
    }

    [Fact]
    public void A_small_genuine_docx_passes()
    {
        using var docx = new MemoryStream(TestDocx.Build(["Fine."]));

        ZipBombGuard.Check(docx, maxInflatedBytes: 1024 * 1024, maxCompressionRatio: 100, TestContext.Current.CancellationToken);

        Assert.Equal(0, docx.Position);
    }

    private sealed class RepeatingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'a');
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
