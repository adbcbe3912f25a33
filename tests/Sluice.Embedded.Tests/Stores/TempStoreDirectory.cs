using Microsoft.Data.Sqlite;

namespace Sluice.Embedded.Tests.Stores;

/// <summary>A directory of store files for one test, removed after it.</summary>
internal sealed class TempStoreDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sluice-stores-").FullName;

    public SqliteStoreOptions Options(IReadOnlyList<string>? pipeline = null) => new()
    {
        StatusPath = System.IO.Path.Combine(Path, "status.db"),
        ChunksPath = System.IO.Path.Combine(Path, "chunks.db"),
        DeadLettersPath = System.IO.Path.Combine(Path, "dead-letters.db"),
        SummariesPath = System.IO.Path.Combine(Path, "summaries.db"),
        PipelineStages = [.. pipeline ?? []],
    };

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing connection: the temporary directory is swept with the machine.
        }
    }
}
