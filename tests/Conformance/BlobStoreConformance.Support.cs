using System.Security.Cryptography;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Conformance;

/// <summary>
/// Behaviour every <see cref="IBlobStore"/> must have, whatever holds the bytes. A fixture derives from this class,
/// says how to open a store and gives the few hooks only the backend can (count what it holds, damage a blob). Each
/// test gets a backend of its own (a directory, a key prefix), so tests may run side by side.
/// </summary>
public abstract partial class BlobStoreConformance : IAsyncDisposable
{
    private readonly OwnedResources _stores = new();

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A size past every store's in-memory threshold (256 KiB for the file and S3 stores).</summary>
    protected const int MediumSize = 300_000;

    /// <summary>Large enough for a multipart upload in parts of the S3 minimum (5 MiB), and for several of them.</summary>
    protected virtual int LargeSize => 20 * 1024 * 1024;

    public virtual async ValueTask DisposeAsync()
    {
        await _stores.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Opens a store on this test's backend. Called several times in one test, every instance must see the same
    /// blobs, as two hosts configured alike would.
    /// </summary>
    protected abstract Task<IBlobStore> CreateStoreAsync(CancellationToken cancellationToken);

    /// <summary>How many blobs this test's backend holds (objects, files, rows: whatever a blob is there).</summary>
    protected abstract Task<int> CountStoredAsync(CancellationToken cancellationToken);

    /// <summary>How many temporary files this test's stores have left behind.</summary>
    protected abstract int CountTemporaryFiles();

    /// <summary>Replaces the stored bytes of <paramref name="reference"/> behind the store's back.</summary>
    protected abstract Task ReplaceStoredBytesAsync(BlobReference reference, byte[] bytes, CancellationToken cancellationToken);

    protected async Task<IBlobStore> OpenStoreAsync()
    {
        var store = await CreateStoreAsync(Ct);
        _stores.Add(store);
        return store;
    }

    protected static byte[] Bytes(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    protected static string Sha256Of(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    protected static async Task<byte[]> ReadAllAsync(IBlobStore store, BlobReference reference)
    {
        await using var stream = await store.OpenReadAsync(reference, Ct);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, Ct);
        return copy.ToArray();
    }

    /// <summary>Reads the blob to its end without keeping it; returns its length and SHA-256.</summary>
    protected static async Task<(long Length, string Sha256)> HashAllAsync(IBlobStore store, BlobReference reference)
    {
        await using var stream = await store.OpenReadAsync(reference, Ct);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        long length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, Ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }

        return (length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    protected static BlobReference Missing(string uri = "blob:sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        => new(uri, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 10, "text/plain");

    /// <summary>
    /// <paramref name="length"/> pseudo-random bytes made as they are read, in reads of uneven sizes, so that a
    /// large upload is never in memory on the test's side either.
    /// </summary>
    protected sealed class GeneratedStream(long length, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(Math.Min(buffer.Length, 50_000 + (_position % 7919)), length - _position);
            _random.NextBytes(buffer[..n]);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        /// <summary>Length and SHA-256 of what a stream of these parameters yields.</summary>
        public static (long Length, string Sha256) Expected(long length, int seed)
        {
            using var stream = new GeneratedStream(length, seed);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[81920];
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            return (length, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
    }

    /// <summary>Passes reads through until <paramref name="after"/> bytes have gone by, then calls <paramref name="breakIt"/> before every read.</summary>
    protected sealed class BreakingStream(Stream inner, long after, Action breakIt) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_read >= after)
            {
                breakIt();
            }

            var n = inner.Read(buffer);
            _read += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= after)
            {
                breakIt();
            }

            cancellationToken.ThrowIfCancellationRequested();
            var n = await inner.ReadAsync(buffer, cancellationToken);
            _read += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
