using Microsoft.Extensions.Options;
using Sluice.Conformance;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Tests.Stores;

public sealed class SqliteChunkStoreConformanceTests : ChunkStoreConformance
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sluice-chunks-").FullName;

    protected override Task<IChunkStore> CreateStoreAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IChunkStore>(new SqliteChunkStore(Options.Create(new SqliteStoreOptions { ChunksPath = Path.Combine(_directory, "chunks.db") })));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open elsewhere stays in the temp directory.
        }
    }
}
