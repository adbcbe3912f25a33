using System.ComponentModel.DataAnnotations;

namespace Sluice.Embedded;

/// <summary>Options of the embedded search index (<see cref="SqliteSearchIndex"/>).</summary>
public sealed class SqliteSearchIndexOptions
{
    /// <summary>Path of the SQLite database file; created when missing. Several processes may share it.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "search.db";

    /// <summary>Largest number of results a query may ask for.</summary>
    [Range(1, 10_000)]
    public int MaxResults { get; set; } = 1000;
}
