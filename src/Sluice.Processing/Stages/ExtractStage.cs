using System.Text;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Processing.Stages;

/// <summary>
/// <c>documents.submitted</c> → <c>documents.extracted</c>: reads the upload by its claim check, extracts
/// plain text and stores it as a blob of its own; the event carries only the reference.
/// </summary>
public sealed class ExtractStage(IBlobStore blobs, IDocumentExtractor extractor, DocumentWrites writes, TimeProvider time) : IStage
{
    public const string TextContentType = "text/plain; charset=utf-8";

    public string Name => StageNames.Extract;

    public string InputTopic => StageCatalog.Extract.InputTopic;

    public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var submitted = context.Input.GetData<DocumentSubmitted>();

        // Deleted (or superseded) before it was extracted: its upload may be gone already. An event whose source is not
        // the document's registered upload (forged or mis-routed) is refused before anything is read.
        if (await writes.AdmitAsync(context.Input, [submitted.Source], cancellationToken) is { } refused)
        {
            return refused;
        }

        ExtractedText extracted;
        try
        {
            await using var content = await blobs.OpenReadAsync(submitted.Source, cancellationToken);
            extracted = await extractor.ExtractAsync(content, submitted.Format, cancellationToken);
        }
        catch (ExtractionException ex)
        {
            return StageResult.Permanent(ex.Reason, ex);
        }
        catch (Exception ex) when (StageFailures.Blob(ex, "the uploaded file") is { } failure)
        {
            return await writes.FailUnlessGoneAsync(context.Input, failure, cancellationToken);
        }

        BlobReference text;
        using (var bytes = new MemoryStream(Encoding.UTF8.GetBytes(extracted.Text), writable: false))
        {
            text = await blobs.PutOwnedAsync(new BlobOwner(context.Input.DocumentId, context.Input.Revision), bytes, TextContentType, cancellationToken);
        }

        var output = new DocumentExtracted(submitted.Source, text, submitted.Format, extracted.Text.Length, extracted.Pages);
        var facts = new Dictionary<string, long>
        {
            ["characters"] = extracted.Text.Length,
            ["pages"] = extracted.Pages?.Count ?? 0,
        };
        return StageResult.Success([context.Output(Topics.DocumentsExtracted, Name, 0, output, time.GetUtcNow())], facts, [text]);
    }
}
