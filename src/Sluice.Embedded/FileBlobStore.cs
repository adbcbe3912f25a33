using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Blobs;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// Content-addressed blobs in a local directory. Small blobs (up to <see cref="SmallBlobBytes"/>) live in one
/// SQLite file, <c>ROOT/small-blobs.db</c>; larger ones are files, <c>ROOT/sha256/ab/cd/&lt;hash&gt;</c>. Either
/// way a blob that exists is complete and survives a power loss, and the same bytes are stored once.
/// </summary>
/// <remarks>
/// <para>
/// A small upload is read into memory, hashed, and inserted by the store's writer thread, which commits
/// whatever inserts are waiting in one transaction: under a burst a few hundred uploads share one
/// <c>fsync</c>. As files, each cost a create, a write, a flush, a rename and a directory flush, which took
/// 40% of the CPU of an upload burst on a two-core machine.
/// </para>
/// <para>
/// A large upload streams through a temporary file that is flushed, renamed into place and its directory
/// flushed, on the store's own threads, never on the thread pool. Reads look in the table first and then for
/// a file, so small blobs written as files by earlier versions still read.
/// </para>
/// </remarks>
public sealed class FileBlobStore : IBlobStore, IDisposable
{
    /// <summary>Uploads up to this size are buffered in memory and kept in the small-blob table rather than as files.</summary>
    public const int SmallBlobBytes = 256 * 1024;

    /// <summary>The small-blob table's file name under the root.</summary>
    public const string SmallBlobFile = "small-blobs.db";

    private const string SmallSchema = """
        CREATE TABLE IF NOT EXISTS blobs (
            sha256 TEXT PRIMARY KEY,
            data BLOB NOT NULL
        );
        """;

    private readonly string _root;
    private readonly string _temp;
    private readonly DurableFiles _durable;
    private readonly SqliteFile _small;
    private readonly SqliteWriteQueue _smallWrites;
    private readonly TempFileSweeper _tempSweeper;

    public FileBlobStore(IOptions<FileBlobStoreOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = Path.GetFullPath(options.Value.Root);
        _temp = Path.Combine(_root, "tmp");
        Directory.CreateDirectory(_temp);
        _durable = new DurableFiles(threads: 4);
        _small = new SqliteFile(Path.Combine(_root, SmallBlobFile), SmallSchema, holdsContent: true);
        _smallWrites = new SqliteWriteQueue(_small.Open, "sluice-blob-writer");
        _tempSweeper = new TempFileSweeper(
            _temp, options.Value.TempFileMaxAge, options.Value.TempFileSweepInterval, timeProvider ?? TimeProvider.System);
    }

    public async Task<BlobReference> PutAsync(
        Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
    {
        await using var staged = await StageAsync(content, contentType, maxBytes, cancellationToken);
        await staged.CommitAsync(cancellationToken);
        return staged.Reference;
    }

    public Task<StagedBlob> StageAsync(
        Stream content, string contentType, long maxBytes = long.MaxValue, CancellationToken cancellationToken = default)
        => StageAsync(content, contentType, maxBytes, owner: null, cancellationToken);

    public async Task<BlobReference> PutOwnedAsync(
        BlobOwner owner, Stream content, string contentType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        await using var staged = await StageAsync(content, contentType, long.MaxValue, owner, cancellationToken);
        await staged.CommitAsync(cancellationToken);
        return staged.Reference;
    }

    public async Task DeleteOwnedAsync(BlobOwner owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (!owner.IsValid)
        {
            return;
        }

        // Every table key of the owner starts with "<id>@<revision>/"; '0' is the character after '/'.
        var prefix = BlobKey.OwnerTablePrefix(owner);
        var after = prefix[..^1] + "0";
        await _smallWrites.RunAsync(db => db.Execute("DELETE FROM blobs WHERE sha256 >= $p0 AND sha256 < $p1", prefix, after), cancellationToken);
        var directory = Path.Combine(_root, BlobKey.OwnerDirectory(owner));
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task<StagedBlob> StageAsync(
        Stream content, string contentType, long maxBytes, BlobOwner? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);

        // Read into a buffer that grows from 16 KiB to just past a small blob's size; most uploads never leave the
        // first one. Only the end of the stream tells whether an upload is small, so one step goes past the limit.
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var filled = 0;
        try
        {
            while (true)
            {
                var read = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (read == 0)
                {
                    return filled <= SmallBlobBytes
                        ? StageSmall(buffer.AsMemory(0, filled), contentType, owner)
                        : await StageFileAsync(buffer, filled, content, contentType, maxBytes, owner, cancellationToken);
                }

                filled += read;
                if (filled > maxBytes)
                {
                    throw new BlobTooLargeException(maxBytes);
                }

                if (filled == buffer.Length)
                {
                    if (filled > SmallBlobBytes)
                    {
                        return await StageFileAsync(buffer, filled, content, contentType, maxBytes, owner, cancellationToken);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 4, SmallBlobBytes * 2));
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

    private StagedSmallBlob StageSmall(ReadOnlyMemory<byte> content, string contentType, BlobOwner? owner)
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var key = owner is null ? BlobKey.Shared(sha256) : BlobKey.Owned(owner, sha256);
        return new StagedSmallBlob(new BlobReference(key.Uri, sha256, content.Length, contentType), key, content.ToArray(), _smallWrites);
    }

    /// <summary>A large upload: the head already read, then the rest, through a temporary file.</summary>
    private async Task<StagedFileBlob> StageFileAsync(
        byte[] buffer, int head, Stream content, string contentType, long maxBytes, BlobOwner? owner, CancellationToken cancellationToken)
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
            var key = owner is null ? BlobKey.Shared(sha256) : BlobKey.Owned(owner, sha256);
            return new StagedFileBlob(new BlobReference(key.Uri, sha256, size, contentType), tempPath, Path.Combine(_root, key.RelativePath), _durable);
        }
        catch
        {
            File.Delete(tempPath);
            throw;
        }
    }

    public async Task<Stream> OpenReadAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var key = BlobKey.Parse(reference);
        var small = await ReadSmallAsync(key.TableKey, cancellationToken);
        if (small is not null)
        {
            return new VerifyingReadStream(new MemoryStream(small, writable: false), reference);
        }

        try
        {
            var file = new FileStream(Path.Combine(_root, key.RelativePath), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 128 * 1024,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
            return new VerifyingReadStream(file, reference);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(reference.Uri);
        }
    }

    public async Task<bool> ExistsAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var key = BlobKey.Parse(reference);
        await using var connection = await _small.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM blobs WHERE sha256 = $key";
        command.Parameters.AddWithValue("$key", key.TableKey);
        return await command.ExecuteScalarAsync(cancellationToken) is not null || File.Exists(Path.Combine(_root, key.RelativePath));
    }

    public async Task DeleteAsync(BlobReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var key = BlobKey.Parse(reference);
        await _smallWrites.RunAsync(db => db.Execute("DELETE FROM blobs WHERE sha256 = $p0", key.TableKey), cancellationToken);
        try
        {
            File.Delete(Path.Combine(_root, key.RelativePath));
        }
        catch (DirectoryNotFoundException)
        {
            // Never stored as a file.
        }
    }

    /// <summary>The small blob's bytes, or null when the table does not have it.</summary>
    private async Task<byte[]?> ReadSmallAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await _small.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT data FROM blobs WHERE sha256 = $key";
        command.Parameters.AddWithValue("$key", key);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }

    public void Dispose()
    {
        _tempSweeper.Dispose();
        _smallWrites.Dispose();
        _durable.Dispose();
    }

    private string TempPath() => Path.Combine(_temp, $"{Guid.NewGuid():N}.part");
}
