using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Conformance;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Blobs;

namespace Sluice.Embedded.Tests.Stores;

/// <summary>The blob store contract on <see cref="FileBlobStore"/>: small blobs in its SQLite table, larger ones as files.</summary>
public sealed class FileBlobStoreConformanceTests : BlobStoreConformance
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sluice-blobs", Guid.NewGuid().ToString("N"));

    protected override Task<IBlobStore> CreateStoreAsync(CancellationToken cancellationToken)
        => Task.FromResult<IBlobStore>(new FileBlobStore(Options.Create(new FileBlobStoreOptions { Root = _root })));

    protected override async Task<int> CountStoredAsync(CancellationToken cancellationToken)
    {
        var files = Directory.Exists(_root)
            ? Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
                .Count(f => !Path.GetRelativePath(_root, f).StartsWith("tmp", StringComparison.Ordinal)
                    && !Path.GetFileName(f).StartsWith(FileBlobStore.SmallBlobFile, StringComparison.Ordinal))
            : 0;
        await using var connection = await OpenTableAsync(cancellationToken);
        if (connection is null)
        {
            return files;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM blobs";
        return files + Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    protected override int CountTemporaryFiles()
    {
        var temp = Path.Combine(_root, "tmp");
        return Directory.Exists(temp) ? Directory.EnumerateFiles(temp).Count() : 0;
    }

    protected override async Task ReplaceStoredBytesAsync(BlobReference reference, byte[] bytes, CancellationToken cancellationToken)
    {
        var key = BlobKey.Parse(reference);
        await using (var connection = await OpenTableAsync(cancellationToken))
        {
            if (connection is not null)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "UPDATE blobs SET data = $data WHERE sha256 = $key";
                command.Parameters.AddWithValue("$data", bytes);
                command.Parameters.AddWithValue("$key", key.TableKey);
                if (await command.ExecuteNonQueryAsync(cancellationToken) > 0)
                {
                    return;
                }
            }
        }

        // A large blob is a file: write a new file and rename it over the blob's name.
        var path = Path.Combine(_root, key.RelativePath);
        await File.WriteAllBytesAsync(path + ".new", bytes, cancellationToken);
        File.Move(path + ".new", path, overwrite: true);
    }

    /// <summary>A connection to the small-blob table; null before the store's first write made it.</summary>
    private async Task<SqliteConnection?> OpenTableAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_root, FileBlobStore.SmallBlobFile)};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name = 'blobs'";
        if (Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            await connection.DisposeAsync();
            return null;
        }

        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
