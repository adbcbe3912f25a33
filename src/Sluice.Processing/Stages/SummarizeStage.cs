using System.Text;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;

namespace Sluice.Processing.Stages;

/// <summary>
/// <c>documents.extracted</c> → <c>documents.summarized</c>, in its own consumer group beside chunking: a slow
/// or failing summarizer stalls only summaries, never search.
/// </summary>
public sealed class SummarizeStage(IBlobStore blobs, ISummarizer summarizer, ISummaryStore summaries, TimeProvider time) : IStage
{
    public string Name => StageNames.Summarize;

    public string InputTopic => Topics.DocumentsExtracted;

    public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var extracted = context.Input.GetData<DocumentExtracted>();
        string text;
        try
        {
            await using var content = await blobs.OpenReadAsync(extracted.Text, cancellationToken);
            using var reader = new StreamReader(content, Encoding.UTF8);
            text = await reader.ReadToEndAsync(cancellationToken);
        }
        catch (Exception ex) when (BlobFailures.Classify(ex, "the extracted text") is { } failure)
        {
            return failure;
        }

        string summary;
        try
        {
            summary = await summarizer.SummarizeAsync(text, cancellationToken);
        }
        catch (ProviderException ex)
        {
            return ex.IsTransient
                ? StageResult.Transient($"the summarizer failed: {ex.Message}", ex, ex.RetryAfter)
                : StageResult.Permanent($"the summarizer refused the document: {ex.Message}", ex);
        }

        var info = summarizer.Info.ToString();
        await summaries.SaveAsync(new Summary(context.Input.DocumentId, summary, info, time.GetUtcNow()), cancellationToken);
        var output = new DocumentSummarized(info, summary.Length);
        return StageResult.Success(
            [context.Output(Topics.DocumentsSummarized, Name, 0, output, time.GetUtcNow())],
            new Dictionary<string, long> { ["summaryCharacters"] = summary.Length });
    }
}
