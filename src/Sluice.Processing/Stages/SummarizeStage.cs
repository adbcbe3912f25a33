using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Processing.Internal.Stages;

namespace Sluice.Processing.Stages;

/// <summary>
/// <c>documents.extracted</c> → <c>documents.summarized</c>, in its own consumer group beside chunking: a slow
/// or failing summarizer stalls only summaries, never search.
/// </summary>
public sealed class SummarizeStage(IBlobStore blobs, ISummarizer summarizer, ISummaryStore summaries, DocumentWrites writes, TimeProvider time) : IStage
{
    public string Name => StageNames.Summarize;

    public string InputTopic => StageCatalog.Summarize.InputTopic;

    public async Task<StageResult> HandleAsync(StageContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var extracted = context.Input.GetData<DocumentExtracted>();
        if (await writes.AdmitAsync(context.Input, [extracted.Text], cancellationToken) is { } refused)
        {
            if (refused is StageResult.Succeeded)
            {
                // Not wanted any more. An earlier attempt may have been cut short (a killed process) after the
                // summarizer kept an answer.
                await ForgetAsync(context.Input.DocumentId, cancellationToken);
            }

            return refused;
        }

        string text;
        try
        {
            text = await StageBlobs.ReadTextAsync(blobs, extracted.Text, cancellationToken);
        }
        catch (Exception ex) when (StageFailures.Blob(ex, "the extracted text") is { } failure)
        {
            return await writes.FailUnlessGoneAsync(context.Input, failure, cancellationToken);
        }

        SummaryDraft draft;
        try
        {
            draft = await summarizer.DraftAsync(text, context.Input.DocumentId, cancellationToken);
        }
        catch (ProviderException ex)
        {
            return StageFailures.Provider(ex, "summarizer");
        }
        catch (SummaryRefusedException ex)
        {
            // Trying again cannot change it: the document fails with the reason, nothing is retried.
            return StageResult.Permanent(ex.Message, ex);
        }

        // What made this summary: a summarizer may make short and long documents' summaries differently.
        var (summary, info) = (draft.Text, draft.MadeBy.ToString());
        var documentId = context.Input.DocumentId;
        if (!await writes.WriteAsync(
                context.Input,
                token => summaries.SaveAsync(new Summary(documentId, summary, info, time.GetUtcNow()), token),
                token => summaries.DeleteAsync(documentId, token),
                cancellationToken))
        {
            // Deleted while the summarizer worked: what it kept of the text goes too.
            await ForgetAsync(documentId, cancellationToken);
            return StageResult.Success();
        }

        var output = new DocumentSummarized(info, summary.Length);
        return StageResult.Success(
            [context.Output(Topics.DocumentsSummarized, Name, 0, output, time.GetUtcNow())],
            new Dictionary<string, long> { ["summaryCharacters"] = summary.Length });
    }

    private async Task ForgetAsync(string documentId, CancellationToken cancellationToken)
    {
        if (await summarizer.ForgetDocumentAsync(documentId, cancellationToken))
        {
            await writes.EraseAsync(cancellationToken);
        }
    }
}
