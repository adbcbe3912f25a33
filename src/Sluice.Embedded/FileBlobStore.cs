using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded;

/// <summary>
/// Content-addressed blobs in a local directory: <c>ROOT/sha256/ab/cd/&lt;hash&gt;</c>. An upload streams
/// to a temporary file while it is hashed, is flushed to disk, then renamed into place, so a blob that
/// exists is always complete; the same bytes are stored once.
/// </summary>
public sealed class FileBlobStore : IBlobStore
{
    private const string UriPrefix = "blob:sha256:";
    private readonly string _root;
    private readonly string _temp;

    public FileBlobStore(IOptions<FileBlobStoreOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = Path.GetFullPath(options.Value.Root);
        _temp = Path.Combine(_root, "tmp");
        Directory.CreateDirectory(_temp);
    }

    public async Task<BlobReference> PutAsync(
        Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var tempPath = Path.Combine(_temp, $"{Guid.NewGuid():N}.part");
        try
        {
            string sha256;
            long size = 0;
            var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
            try
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
                {
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

                    file.Flush(flushToDisk: true);
                }

                sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            var target = PathOf(sha256);
            if (File.Exists(target))
            {
                File.Delete(tempPath);
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(tempPath, target, overwrite: true);
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

    private string PathOf(string sha256) => Path.Combine(_root, "sha256", sha256[..2], sha256[2..4], sha256);
}
