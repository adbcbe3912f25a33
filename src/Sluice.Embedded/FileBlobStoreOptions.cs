using System.ComponentModel.DataAnnotations;

namespace Sluice.Embedded;

public sealed class FileBlobStoreOptions
{
    /// <summary>Directory that holds the blobs (created when missing).</summary>
    [Required]
    public string Root { get; set; } = string.Empty;
}
