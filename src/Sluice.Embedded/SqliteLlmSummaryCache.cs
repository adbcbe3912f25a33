using System.Globalization;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>
/// LLM summaries by content hash, model and prompt version, in a SQLite file of their own (it can be deleted
/// at any time; it only saves calls).
/// </summary>
public sealed class SqliteLlmSummaryCache(string path) : ILlmSummaryCache
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS llm_summaries (
            content_sha256 TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            summary TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (content_sha256, model, prompt_version)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS llm_summary_documents (
            document_id TEXT NOT NULL,
            content_sha256 TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt_version TEXT NOT NULL,
            PRIMARY KEY (document_id, content_sha256, model, prompt_version)
        ) WITHOUT ROWID;
        """;

    private readonly SqliteFile _file = new(path, Schema, holdsContent: true);

    public async Task<string?> GetAsync(LlmSummaryKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT summary FROM llm_summaries WHERE content_sha256 = $hash AND model = $model AND prompt_version = $prompt";
        command.Parameters.AddWithValue("$hash", key.ContentSha256);
        command.Parameters.AddWithValue("$model", key.Model);
        command.Parameters.AddWithValue("$prompt", key.PromptVersion);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task PutAsync(LlmSummaryKey key, string summary, string? documentId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(summary);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO llm_summaries (content_sha256, model, prompt_version, summary, created_at) VALUES ($hash, $model, $prompt, $summary, $at)
                ON CONFLICT (content_sha256, model, prompt_version) DO UPDATE SET summary = excluded.summary, created_at = excluded.created_at
                """;
            Bind(command, key);
            command.Parameters.AddWithValue("$summary", summary);
            command.Parameters.AddWithValue("$at", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        if (documentId is not null)
        {
            await using var link = connection.CreateCommand();
            link.Transaction = transaction;
            link.CommandText = """
                INSERT OR IGNORE INTO llm_summary_documents (document_id, content_sha256, model, prompt_version) VALUES ($doc, $hash, $model, $prompt)
                """;
            Bind(link, key);
            link.Parameters.AddWithValue("$doc", documentId);
            await link.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> DeleteDocumentAsync(string documentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(documentId);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            DELETE FROM llm_summaries WHERE (content_sha256, model, prompt_version) IN
                (SELECT content_sha256, model, prompt_version FROM llm_summary_documents WHERE document_id = $doc);
            DELETE FROM llm_summary_documents WHERE (content_sha256, model, prompt_version) IN
                (SELECT content_sha256, model, prompt_version FROM llm_summary_documents WHERE document_id = $doc);
            """;
        command.Parameters.AddWithValue("$doc", documentId);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static void Bind(Microsoft.Data.Sqlite.SqliteCommand command, LlmSummaryKey key)
    {
        command.Parameters.AddWithValue("$hash", key.ContentSha256);
        command.Parameters.AddWithValue("$model", key.Model);
        command.Parameters.AddWithValue("$prompt", key.PromptVersion);
    }
}
