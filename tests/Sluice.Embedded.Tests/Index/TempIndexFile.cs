using Microsoft.Extensions.Options;

namespace Sluice.Embedded.Tests.Index;

/// <summary>A search index file in a fresh temporary directory, deleted with it; opens any number of indexes on it.</summary>
internal sealed class TempIndexFile : IDisposable
{
    private readonly List<SqliteSearchIndex> _opened = [];

    public TempIndexFile()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("sluice-index-").FullName;
        Path = System.IO.Path.Combine(Directory, "search.db");
    }

    public string Directory { get; }

    public string Path { get; }

    /// <summary>A new index on the file, as another process would open it.</summary>
    public SqliteSearchIndex Open()
    {
        var index = new SqliteSearchIndex(Options.Create(new SqliteSearchIndexOptions { Path = Path }));
        _opened.Add(index);
        return index;
    }

    public void Dispose()
    {
        foreach (var index in _opened)
        {
            index.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open elsewhere stays in the temp directory.
        }
    }
}
