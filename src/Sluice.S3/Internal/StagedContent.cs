using System.Buffers;
using System.Security.Cryptography;
using Sluice.Core.Ports;

namespace Sluice.S3.Internal;

/// <summary>
/// An upload read whole and hashed on its way in, kept aside for as long as it may still be sent: in memory when it
/// is small, otherwise in a temporary file that <see cref="Dispose"/> removes.
/// </summary>
internal sealed class StagedContent : IDisposable
{
    private readonly byte[]? _memory;

    private StagedContent(string sha256, long length, byte[]? memory, string? path)
    {
        Sha256 = sha256;
        Length = length;
        _memory = memory;
        FilePath = path;
    }

    /// <summary>Lower-case hex SHA-256 of the bytes.</summary>
    public string Sha256 { get; }

    public long Length { get; }

    /// <summary>The temporary file that holds the bytes; null when they are in memory.</summary>
    public string? FilePath { get; }

    /// <summary>A new read stream over the bytes, from the start.</summary>
    public Stream OpenRead() => _memory is not null
        ? new MemoryStream(_memory, writable: false)
        : new FileStream(FilePath!, FileMode.Open, FileAccess.Read, FileShare.Read, 128 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);

    /// <summary>
    /// Reads <paramref name="content"/> to its end, hashing it. Up to <paramref name="memoryBytes"/> stay in memory;
    /// past that everything goes to a new file in <paramref name="tempDirectory"/>. Throws
    /// <see cref="BlobTooLargeException"/> (and keeps nothing) as soon as more than <paramref name="maxBytes"/> arrive.
    /// </summary>
    public static async Task<StagedContent> ReadAsync(
        Stream content, long maxBytes, int memoryBytes, string tempDirectory, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(memoryBytes + 1, 128 * 1024));
        try
        {
            // The first bytes go to memory; one byte past the limit tells that a file is needed.
            using var head = new MemoryStream();
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (head.Length + read > maxBytes)
                {
                    throw new BlobTooLargeException(maxBytes);
                }

                hash.AppendData(buffer, 0, read);
                head.Write(buffer, 0, read);
                if (head.Length > memoryBytes)
                {
                    return await SpillAsync(head, content, buffer, hash, maxBytes, tempDirectory, cancellationToken);
                }
            }

            return new StagedContent(Convert.ToHexStringLower(hash.GetHashAndReset()), head.Length, head.ToArray(), path: null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<StagedContent> SpillAsync(
        MemoryStream head, Stream content, byte[] buffer, IncrementalHash hash, long maxBytes, string tempDirectory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(tempDirectory);
        var path = Path.Combine(tempDirectory, $"sluice-s3-{Guid.NewGuid():N}.part");
        try
        {
            var length = head.Length;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await file.WriteAsync(head.GetBuffer().AsMemory(0, (int)head.Length), cancellationToken);
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    length += read;
                    if (length > maxBytes)
                    {
                        throw new BlobTooLargeException(maxBytes);
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            return new StagedContent(Convert.ToHexStringLower(hash.GetHashAndReset()), length, memory: null, path);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    public void Dispose()
    {
        if (FilePath is not null)
        {
            File.Delete(FilePath);
        }
    }
}
