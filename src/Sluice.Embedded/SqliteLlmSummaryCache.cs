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
        """;

    private readonly SqliteFile _file = new(path, Schema);

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

    public async Task PutAsync(LlmSummaryKey key, string summary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(summary);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO llm_summaries (content_sha256, model, prompt_version, summary, created_at) VALUES ($hash, $model, $prompt, $summary, $at)
            ON CONFLICT (content_sha256, model, prompt_version) DO UPDATE SET summary = excluded.summary, created_at = excluded.created_at
            """;
        command.Parameters.AddWithValue("$hash", key.ContentSha256);
        command.Parameters.AddWithValue("$model", key.Model);
        command.Parameters.AddWithValue("$prompt", key.PromptVersion);
        command.Parameters.AddWithValue("$summary", summary);
        command.Parameters.AddWithValue("$at", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
