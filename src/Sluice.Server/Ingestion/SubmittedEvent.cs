using System.Globalization;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Ingestion;

/// <summary>The <c>documents.submitted</c> event that starts a registered document's run through the pipeline.</summary>
public static class SubmittedEvent
{
    /// <summary>
    /// The event for <paramref name="document"/>. Its id depends only on the document and its revision, so the
    /// upload, a retried upload and the <see cref="AcceptedRedrive"/> all publish the same event, and what the
    /// stages derive from it (chunk ids, status event ids) is the same whichever copy they process.
    /// </summary>
    public static EventEnvelope For(DocumentRecord document, DateTimeOffset occurredAt)
    {
        ArgumentNullException.ThrowIfNull(document);
        return EventEnvelope.Create(
            Topics.DocumentsSubmitted, document.Tenant, document.Id,
            new DocumentSubmitted(document.Source, document.FileName, document.Format),
            Ids.Derive("submitted", document.Id, document.Revision.ToString(CultureInfo.InvariantCulture)), occurredAt,
            revision: document.Revision);
    }
}
