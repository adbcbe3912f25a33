using Sluice.Core.Events;

namespace Sluice.Processing;

/// <summary>Normalised plain text extracted from a document.</summary>
/// <param name="Text">The text: LF line ends, no control characters other than tab and form feed, trimmed.</param>
/// <param name="Pages">Where each page starts in <paramref name="Text"/>, for paged formats (PDF); otherwise <see langword="null"/>.</param>
public sealed record ExtractedText(string Text, IReadOnlyList<PageStart>? Pages);
