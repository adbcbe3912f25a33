using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Core.Stages;

/// <summary>
/// Whether a blob an event names belongs to the document the event is about: the event log is a trust boundary, and a
/// stage reads a claim check only when the registered document vouches for it. Pure rules; the lookup of the document
/// is <see cref="DocumentWrites.AdmitAsync"/>'s.
/// </summary>
/// <remarks>
/// Two kinds of blob reach a stage. The upload is content-addressed and shared (<c>blob:sha256:…</c>): it is the
/// document's only if it is exactly the source the API registered for it. Everything a stage writes is owned by one
/// document revision (<c>blob:doc:&lt;id&gt;/&lt;revision&gt;/sha256:…</c>), so its URI names its owner, which must be
/// the event's document at the event's revision. Together with the tenant check against the registered document, an
/// event can only make a stage read what its own document's stages wrote or its own upload.
/// </remarks>
public static class ClaimChecks
{
    /// <summary>Null when <paramref name="reference"/> belongs to <paramref name="document"/>; otherwise why not, for the dead letter.</summary>
    /// <param name="document">The document as the status store registered it (its tenant already matched the event's).</param>
    /// <param name="revision">The revision the event is about (already the registered one).</param>
    /// <param name="reference">A blob the event asks the stage to read.</param>
    public static string? Refusal(DocumentRecord document, int revision, BlobReference reference)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(reference);
        BlobAddress address;
        try
        {
            address = BlobAddress.Parse(reference);
        }
        catch (BlobNotFoundException)
        {
            return $"{NotOwned(document)}: '{Shorten(reference.Uri)}' is not a blob reference Sluice writes";
        }

        // What is read is what the URI names; a hash that does not match the bytes is the read's to find (corrupt).
        if (address.Owner is not { } owner)
        {
            return string.Equals(reference.Uri, document.Source.Uri, StringComparison.Ordinal)
                ? null
                : $"{NotOwned(document)}: it is not the document's registered upload";
        }

        return string.Equals(owner.DocumentId, document.Id, StringComparison.Ordinal) && owner.Revision == revision
            ? null
            : $"{NotOwned(document)}: it was written for another document or revision";
    }

    private static string NotOwned(DocumentRecord document) => $"the event's blob does not belong to document {document.Id} of tenant {document.Tenant}";

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";
}
