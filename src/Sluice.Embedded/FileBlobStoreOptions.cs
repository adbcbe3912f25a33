using System.ComponentModel.DataAnnotations;

namespace Sluice.Embedded;

public sealed class FileBlobStoreOptions
{
    /// <summary>Directory that holds the blobs (created when missing).</summary>
    [Required]
    public string Root { get; set; } = string.Empty;

    /// <summary>
    /// A large upload's temporary file (<c>ROOT/tmp/*.part</c>) not written to for this long is one a crash left
    /// behind, and is removed. An upload in progress keeps writing to its file, so this bounds the pause between
    /// two writes, not the length of an upload.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan TempFileMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the temporary files are checked (they are also checked when the store starts).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan TempFileSweepInterval { get; set; } = TimeSpan.FromMinutes(10);
}
