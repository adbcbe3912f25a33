using Sluice.Core.Blobs;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Core.Tests.Stages;

/// <summary>A blob an event names is its document's only if the registered document vouches for it.</summary>
public sealed class ClaimChecksTests
{
    private static readonly string HashA = new('a', 64);
    private static readonly string HashB = new('b', 64);

    private static readonly DocumentRecord Document = new(
        "doc-a", "acme", "a.txt", "text/plain", "text", Reference(BlobAddress.Shared(HashA)), DateTimeOffset.UnixEpoch, Revision: 2);

    [Fact]
    public void TheRegisteredUpload_AndBlobsOwnedByTheDocumentAtTheEventsRevision_Belong()
    {
        Assert.Null(ClaimChecks.Refusal(Document, 2, Document.Source));
        Assert.Null(ClaimChecks.Refusal(Document, 2, Reference(BlobAddress.Owned(new BlobOwner("doc-a", 2), HashB))));
    }

    [Fact]
    public void AnotherUpload_AnotherDocumentsBlob_AnotherRevisionsBlob_AndAForeignUri_DoNotBelong()
    {
        BlobReference[] foreign =
        [
            Reference(BlobAddress.Shared(HashB)),                                      // someone else's upload, or bytes nobody owns
            Reference(BlobAddress.Owned(new BlobOwner("doc-b", 2), HashB)),            // another document's text
            Reference(BlobAddress.Owned(new BlobOwner("doc-a", 1), HashB)),            // the document's deleted revision
            new("file:///etc/passwd", HashB, 1, "text/plain"),                          // not a reference Sluice writes
        ];

        Assert.All(foreign, reference =>
            Assert.StartsWith("the event's blob does not belong to document doc-a of tenant acme: ", ClaimChecks.Refusal(Document, 2, reference), StringComparison.Ordinal));
    }

    private static BlobReference Reference(BlobAddress address) => new(address.Uri, address.Sha256, 10, "text/plain");
}
