using System.Globalization;
using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.Blobs;

/// <summary>
/// Where a blob lives in this store: its key in the small-blob table and its path as a file. Shared content is
/// keyed by its hash alone (<c>sha256/ab/cd/&lt;hash&gt;</c>); an owned blob by its owner too
/// (<c>docs/&lt;id&gt;/&lt;revision&gt;/&lt;hash&gt;</c>). The reference URI is <see cref="BlobAddress.Uri"/>, the same for every store.
/// </summary>
internal readonly record struct BlobKey(string Uri, string TableKey, string RelativePath)
{
    public static BlobKey Shared(string sha256) => Of(BlobAddress.Shared(sha256));

    public static BlobKey Owned(BlobOwner owner, string sha256) => Of(BlobAddress.Owned(owner, sha256));

    /// <summary>The prefix of every table key of <paramref name="owner"/>'s blobs.</summary>
    public static string OwnerTablePrefix(BlobOwner owner) => $"{owner.DocumentId}@{owner.Revision.ToString(CultureInfo.InvariantCulture)}/";

    /// <summary>The directory, relative to the root, of <paramref name="owner"/>'s blob files.</summary>
    public static string OwnerDirectory(BlobOwner owner) => Path.Combine("docs", owner.DocumentId, owner.Revision.ToString(CultureInfo.InvariantCulture));

    /// <summary>The key a reference names; throws <see cref="BlobNotFoundException"/> for a reference no store could have made.</summary>
    public static BlobKey Parse(BlobReference reference) => Of(BlobAddress.Parse(reference));

    private static BlobKey Of(BlobAddress address)
    {
        var sha256 = address.Sha256;
        return address.Owner is { } owner
            ? new(address.Uri, OwnerTablePrefix(owner) + sha256, Path.Combine(OwnerDirectory(owner), sha256))
            : new(address.Uri, sha256, Path.Combine("sha256", sha256[..2], sha256[2..4], sha256));
    }
}
