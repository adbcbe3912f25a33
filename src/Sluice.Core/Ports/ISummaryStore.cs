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

/// <summary>Turns a document's text into a short summary.</summary>
public interface ISummarizer
{
    SummarizerInfo Info { get; }

    Task<string> SummarizeAsync(string text, CancellationToken cancellationToken = default);
}
