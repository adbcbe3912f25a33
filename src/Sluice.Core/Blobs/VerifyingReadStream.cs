using System.Security.Cryptography;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Core.Blobs;

/// <summary>
/// A forward-only read stream that hashes what passes through it and, at the end, throws
/// <see cref="BlobIntegrityException"/> unless exactly the referenced bytes were read. Every blob store
/// returns its reads through it, so a corrupted or swapped blob can never be processed silently.
/// </summary>
public sealed class VerifyingReadStream(Stream inner, BlobReference expected) : ForwardReadStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;
    private bool _verified;

    public override long Length => expected.Size;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        return buffer.IsEmpty ? 0 : Account(buffer[..n]);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken);
        return buffer.IsEmpty ? 0 : Account(buffer.Span[..n]);
    }

    private int Account(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length > 0)
        {
            _read += chunk.Length;
            if (_read > expected.Size)
            {
                throw new BlobIntegrityException($"Blob {expected.Uri} is longer than the {expected.Size} bytes referenced.");
            }

            _hash.AppendData(chunk);
        }
        else if (!_verified)
        {
            _verified = true;
            var actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
            if (_read != expected.Size || !string.Equals(actual, expected.Sha256, StringComparison.Ordinal))
            {
                throw new BlobIntegrityException(
                    $"Blob {expected.Uri} does not match its reference: read {_read} bytes with SHA-256 {actual}, expected {expected.Size} bytes with {expected.Sha256}.");
            }
        }

        return chunk.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        _hash.Dispose();
        await base.DisposeAsync();
    }
}
