namespace Sluice.Processing;

/// <summary>What <see cref="FormatSniffer"/> decided about an upload.</summary>
/// <param name="Format">One of <see cref="DocumentFormats"/>, or <see langword="null"/> when unsupported.</param>
/// <param name="ContentType">Canonical content type of the format, or of what the content was recognised as.</param>
/// <param name="Reason">Why the content is unsupported (meant for end users), or <see langword="null"/>.</param>
public sealed record SniffResult(string? Format, string ContentType, string? Reason)
{
    /// <summary>Whether text can be extracted from the content.</summary>
    public bool IsSupported => Format is not null;

    internal static SniffResult Supported(string format) => new(format, DocumentFormats.ContentTypeOf(format), null);

    internal static SniffResult Unsupported(string reason, string contentType = DocumentFormats.UnknownContentType) =>
        new(null, contentType, reason);
}
