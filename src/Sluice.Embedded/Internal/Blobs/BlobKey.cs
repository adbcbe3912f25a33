using System.Globalization;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.Blobs;

/// <summary>
/// Where a blob lives in the store: its key in the small-blob table and its path as a file. Shared content is
/// keyed by its hash alone (<c>blob:sha256:&lt;hash&gt;</c>, <c>sha256/ab/cd/&lt;hash&gt;</c>); an owned blob by its owner
/// too (<c>blob:doc:&lt;id&gt;/&lt;revision&gt;/sha256:&lt;hash&gt;</c>, <c>docs/&lt;id&gt;/&lt;revision&gt;/&lt;hash&gt;</c>).
/// </summary>
internal readonly record struct BlobKey(string Uri, string TableKey, string RelativePath)
{
    private const string SharedPrefix = "blob:sha256:";
    private const string OwnedPrefix = "blob:doc:";
    private const string HashMarker = "sha256:";

    public static BlobKey Shared(string sha256)
        => new(SharedPrefix + sha256, sha256, Path.Combine("sha256", sha256[..2], sha256[2..4], sha256));

    public static BlobKey Owned(BlobOwner owner, string sha256)
    {
        if (!owner.IsValid)
        {
            throw new ArgumentException($"'{owner}' cannot own blobs: the id must be letters, digits, '-' or '_'.", nameof(owner));
        }

        var revision = owner.Revision.ToString(CultureInfo.InvariantCulture);
        return new(
            $"{OwnedPrefix}{owner.DocumentId}/{revision}/{HashMarker}{sha256}",
            OwnerTablePrefix(owner) + sha256,
            Path.Combine(OwnerDirectory(owner), sha256));
    }

    /// <summary>The prefix of every table key of <paramref name="owner"/>'s blobs.</summary>
    public static string OwnerTablePrefix(BlobOwner owner) => $"{owner.DocumentId}@{owner.Revision.ToString(CultureInfo.InvariantCulture)}/";

    /// <summary>The directory, relative to the root, of <paramref name="owner"/>'s blob files.</summary>
    public static string OwnerDirectory(BlobOwner owner) => Path.Combine("docs", owner.DocumentId, owner.Revision.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// The key a reference names, checked strictly (a hash of exactly 64 lower-case hex digits, an owner id of safe
    /// characters), so that a crafted reference can never point outside the store. Throws
    /// <see cref="BlobNotFoundException"/> for anything else.
    /// </summary>
    public static BlobKey Parse(BlobReference reference)
    {
        var uri = reference.Uri;
        if (uri.StartsWith(SharedPrefix, StringComparison.Ordinal) && IsHash(uri.AsSpan(SharedPrefix.Length)))
        {
            return Shared(uri[SharedPrefix.Length..]);
        }

        if (uri.StartsWith(OwnedPrefix, StringComparison.Ordinal))
        {
            var parts = uri[OwnedPrefix.Length..].Split('/');
            if (parts.Length == 3
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
                && parts[2].StartsWith(HashMarker, StringComparison.Ordinal)
                && IsHash(parts[2].AsSpan(HashMarker.Length)))
            {
                var owner = new BlobOwner(parts[0], revision);
                if (owner.IsValid)
                {
                    return Owned(owner, parts[2][HashMarker.Length..]);
                }
            }
        }

        throw new BlobNotFoundException(uri);
    }

    private static bool IsHash(ReadOnlySpan<char> hash)
    {
        if (hash.Length != 64)
        {
            return false;
        }

        foreach (var c in hash)
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }
}
