using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>
/// LLM summaries by content hash, model and prompt version, shared by every process, so that a document replayed on
/// another host costs no second request. Each answer is filed under the documents whose text gave it.
/// </summary>
public sealed class PostgresLlmSummaryCache(PostgresDatabase database) : ILlmSummaryCache
{
    public async Task<string?> GetAsync(LlmSummaryKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null,
                "SELECT summary FROM llm_summaries WHERE content_sha256 = $1 AND model = $2 AND prompt_version = $3")
            .With(key.ContentSha256).With(key.Model).With(key.PromptVersion);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public Task PutAsync(LlmSummaryKey key, string summary, string? documentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(summary);
        return Sql.InTransactionAsync(database, async (connection, transaction) =>
        {
            await Sql.Command(connection, transaction, """
                INSERT INTO llm_summaries (content_sha256, model, prompt_version, summary, created_at) VALUES ($1, $2, $3, $4, now())
                ON CONFLICT (content_sha256, model, prompt_version) DO UPDATE SET summary = excluded.summary, created_at = excluded.created_at
                """).With(key.ContentSha256).With(key.Model).With(key.PromptVersion).With(summary).ExecuteAsync(cancellationToken);
            if (documentId is not null)
            {
                await Sql.Command(connection, transaction, """
                    INSERT INTO llm_summary_documents (document_id, content_sha256, model, prompt_version) VALUES ($1, $2, $3, $4)
                    ON CONFLICT DO NOTHING
                    """).With(documentId).With(key.ContentSha256).With(key.Model).With(key.PromptVersion).ExecuteAsync(cancellationToken);
            }

            return true;
        }, cancellationToken);
    }

    public Task<bool> DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        return Sql.InTransactionAsync(database, async (connection, transaction) =>
        {
            // The answers filed under the document go, with every filing of them (also under other documents).
            var answers = await Sql.Command(connection, transaction, """
                DELETE FROM llm_summaries s USING llm_summary_documents f
                WHERE f.document_id = $1 AND (s.content_sha256, s.model, s.prompt_version) = (f.content_sha256, f.model, f.prompt_version)
                """).With(documentId).ExecuteAsync(cancellationToken);
            var filings = await Sql.Command(connection, transaction, """
                DELETE FROM llm_summary_documents WHERE (content_sha256, model, prompt_version) IN
                    (SELECT content_sha256, model, prompt_version FROM llm_summary_documents WHERE document_id = $1)
                """).With(documentId).ExecuteAsync(cancellationToken);
            return answers + filings > 0;
        }, cancellationToken);
    }
}
