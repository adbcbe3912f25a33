namespace Sluice.Core.Ports;

/// <summary>
/// Identifies one LLM answer: the SHA-256 of what was summarized (hex), the model and the prompts' version. The
/// same text through the same model and prompts gives the same key, so replaying a document costs nothing.
/// </summary>
public sealed record LlmSummaryKey(string ContentSha256, string Model, string PromptVersion);

/// <summary>
/// Summaries an LLM already wrote, by <see cref="LlmSummaryKey"/>: replays and retries of a document never pay
/// for the same call twice.
/// </summary>
public interface ILlmSummaryCache
{
    /// <summary>The cached summary, or null.</summary>
    Task<string?> GetAsync(LlmSummaryKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a summary, filed under <paramref name="documentId"/> when given; putting the same key again replaces it
    /// (and files it under that document too).
    /// </summary>
    Task PutAsync(LlmSummaryKey key, string summary, string? documentId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Removes every answer filed under the document, also when another document's text gave the same answer (that
    /// one then costs a request again): a deleted document's text leaves nothing behind.
    /// </summary>
    /// <returns>Whether anything was removed.</returns>
    Task<bool> DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default);
}
