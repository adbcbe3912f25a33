using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Blobs;

namespace Sluice.Embedded;

/// <summary>
/// Content-addressed blobs in a local directory: <c>ROOT/sha256/ab/cd/&lt;hash&gt;</c>. A new blob is written to a
/// temporary file, flushed to disk, renamed into place and its directory flushed, so a blob that exists is complete
/// and survives a power loss; the same bytes are stored once.
/// </summary>
/// <remarks>
/// Uploads up to <see cref="SmallBlobBytes"/> are read into memory, hashed, and written in one go only when the
/// store does not have them yet. Flushes run on the store's own threads, never on the thread pool.
/// </remarks>
public sealed class FileBlobStore : IBlobStore, IDisposable
{
    /// <summary>Uploads up to this size are buffered in memory rather than streamed to a temporary file.</summary>
    public const int SmallBlobBytes = 256 * 1024;

    private const string UriPrefix = "blob:sha256:";
    private readonly string _root;
    private readonly string _temp;
    private readonly DurableFiles _durable;

    public FileBlobStore(IOptions<FileBlobStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = Path.GetFullPath(options.Value.Root);
        _temp = Path.Combine(_root, "tmp");
        Directory.CreateDirectory(_temp);
        _durable = new DurableFiles(threads: 16);
    }

    public async Task<BlobReference> PutAsync(
        Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);

        // Read into a buffer that grows from 16 KiB up to a small blob's size; most uploads never leave the first one.
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0)
                {
                    return await PutSmallAsync(buffer.AsMemory(0, filled), contentType);
                }

                filled += read;
                if (filled > maxBytes)
                {
                    throw new BlobTooLargeException(maxBytes);
                }

                if (filled == buffer.Length)
                {
                    if (buffer.Length >= SmallBlobBytes)
                    {
                        return await StreamAsync(buffer, filled, content, contentType, maxBytes, cancellationToken);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 4);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task<BlobReference> PutSmallAsync(ReadOnlyMemory<byte> content, string contentType)
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var target = PathOf(sha256);
        if (!File.Exists(target))
        {
            var tempPath = TempPath();
            try
            {
                await _durable.WriteAsync(tempPath, target, content);
            }
            catch
            {
                File.Delete(tempPath);
                throw;
            }
        }

        return new BlobReference(UriPrefix + sha256, sha256, content.Length, contentType);
    }

    /// <summary>A large upload: the head already read, then the rest, through a temporary file.</summary>
    private async Task<BlobReference> StreamAsync(
        byte[] buffer, int head, Stream content, string contentType, long maxBytes, CancellationToken cancellationToken)
    {
        var tempPath = TempPath();
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = head;
            await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                hash.AppendData(buffer, 0, head);
                await file.WriteAsync(buffer.AsMemory(0, head), cancellationToken);
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw new BlobTooLargeException(maxBytes);
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            var target = PathOf(sha256);
            if (File.Exists(target))
            {
                File.Delete(tempPath);
            }
            else
            {
                await _durable.CommitAsync(tempPath, target);
            }

            return new BlobReference(UriPrefix + sha256, sha256, size, contentType);
        }
        catch
        {
            File.Delete(tempPath);
            throw;
        }
    }

    public Task<Stream> OpenReadAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var path = PathOf(HashOf(reference));
        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 128 * 1024,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult<Stream>(new VerifyingReadStream(file, reference));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(reference.Uri);
        }
    }

    public Task<bool> ExistsAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return Task.FromResult(File.Exists(PathOf(HashOf(reference))));
    }

    public Task DeleteAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        File.Delete(PathOf(HashOf(reference)));
        return Task.CompletedTask;
    }

    /// <summary>
    /// The hash named by the reference's URI, checked to be exactly 64 hex digits so that a crafted
    /// reference can never point outside the store.
    /// </summary>
    private static string HashOf(BlobReference reference)
    {
        if (!reference.Uri.StartsWith(UriPrefix, StringComparison.Ordinal))
        {
            throw new BlobNotFoundException(reference.Uri);
        }

        var hash = reference.Uri[UriPrefix.Length..];
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            throw new BlobNotFoundException(reference.Uri);
        }

        return hash;
    }

    public void Dispose() => _durable.Dispose();

    private string TempPath() => Path.Combine(_temp, $"{Guid.NewGuid():N}.part");

    private string PathOf(string sha256) => Path.Combine(_root, "sha256", sha256[..2], sha256[2..4], sha256);
}
