using System.Globalization;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Core.Blobs;

/// <summary>
/// What a blob reference's URI names, whatever store holds the bytes: shared content by its hash alone
/// (<c>blob:sha256:&lt;hash&gt;</c>), an owned blob by its owner too
/// (<c>blob:doc:&lt;id&gt;/&lt;revision&gt;/sha256:&lt;hash&gt;</c>). Every <see cref="IBlobStore"/> makes and reads
/// these URIs, so a reference written by one adapter, or one host, reads on any other that shares the bytes.
/// </summary>
/// <param name="Sha256">Lower-case hex SHA-256 of the content.</param>
/// <param name="Owner">The document revision that owns the blob; null for shared content.</param>
public readonly record struct BlobAddress(string Sha256, BlobOwner? Owner)
{
    private const string SharedPrefix = "blob:sha256:";
    private const string OwnedPrefix = "blob:doc:";
    private const string HashMarker = "sha256:";

    /// <summary>The reference URI of this address.</summary>
    public string Uri => Owner is null
        ? SharedPrefix + Sha256
        : $"{OwnedPrefix}{Owner.DocumentId}/{Owner.Revision.ToString(CultureInfo.InvariantCulture)}/{HashMarker}{Sha256}";

    public static BlobAddress Shared(string sha256) => new(sha256, null);

    /// <summary>An owned blob's address; throws <see cref="ArgumentException"/> when the owner's parts are unsafe in a key.</summary>
    public static BlobAddress Owned(BlobOwner owner, string sha256)
    {
        ThrowIfCannotOwn(owner);
        return new(sha256, owner);
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="owner"/>'s parts are safe in a key or path.</summary>
    public static void ThrowIfCannotOwn(BlobOwner owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        if (!owner.IsValid)
        {
            throw new ArgumentException($"'{owner}' cannot own blobs: the id must be letters, digits, '-' or '_'.", nameof(owner));
        }
    }

    /// <summary>
    /// The address a reference names, checked strictly (a hash of exactly 64 lower-case hex digits, an owner id of safe
    /// characters), so that a crafted reference can never point outside the store. Throws
    /// <see cref="BlobNotFoundException"/> for anything else.
    /// </summary>
    public static BlobAddress Parse(BlobReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
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
                    return new(parts[2][HashMarker.Length..], owner);
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
