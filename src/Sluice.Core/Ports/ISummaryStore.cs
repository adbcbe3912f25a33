using Sluice.Core.Events;

namespace Sluice.Core.Ports;

/// <summary>Summaries by document; saving again replaces.</summary>
public interface ISummaryStore
{
    Task SaveAsync(Summary summary, CancellationToken cancellationToken = default);

    Task<Summary?> GetAsync(string documentId, CancellationToken cancellationToken = default);

    Task DeleteAsync(string documentId, CancellationToken cancellationToken = default);
}

/// <summary>What made a summary; recorded with it.</summary>
public sealed record SummarizerInfo(string Name, string Version)
{
    public override string ToString() => $"{Name}@{Version}";
}

/// <summary>A summary and what made it; a summarizer may make short and long documents' summaries differently.</summary>
/// <param name="Text">The summary.</param>
/// <param name="MadeBy">How it was made, recorded with it (the API's <c>summarizer</c>).</param>
public sealed record SummaryDraft(string Text, SummarizerInfo MadeBy);

/// <summary>Turns a document's text into a short summary.</summary>
public interface ISummarizer
{
    SummarizerInfo Info { get; }

    Task<string> SummarizeAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>
    /// Summarizes the text of <paramref name="documentId"/>: a summarizer that keeps anything derived from the text
    /// (a cache of paid answers) files it under the document, so that deleting the document removes it.
    /// </summary>
    Task<string> SummarizeAsync(string text, string documentId, CancellationToken cancellationToken = default)
        => SummarizeAsync(text, cancellationToken);

    /// <summary>
    /// Summarizes the text of <paramref name="documentId"/> and says how (see the overload above for what is kept): a
    /// summarizer with more than one way of making summaries names the one it used; by default, <see cref="Info"/>.
    /// </summary>
    async Task<SummaryDraft> DraftAsync(string text, string documentId, CancellationToken cancellationToken = default)
        => new(await SummarizeAsync(text, documentId, cancellationToken), Info);

    /// <summary>Drops whatever the summarizer keeps of <paramref name="documentId"/>'s text; true when it removed anything.</summary>
    Task<bool> ForgetDocumentAsync(string documentId, CancellationToken cancellationToken = default) => Task.FromResult(false);
}
