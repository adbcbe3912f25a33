using System.Globalization;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>Summaries in SQLite, one per document; saving again replaces.</summary>
public sealed class SqliteSummaryStore(IOptions<SqliteStoreOptions> options) : ISummaryStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS summaries (
            document_id TEXT NOT NULL PRIMARY KEY,
            text TEXT NOT NULL,
            summarizer TEXT NOT NULL,
            created_at TEXT NOT NULL
        ) WITHOUT ROWID;
        """;

    private readonly SqliteFile _file = new(options.Value.SummariesPath, Schema, holdsContent: true);

    public async Task SaveAsync(Summary summary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO summaries (document_id, text, summarizer, created_at) VALUES ($doc, $text, $by, $at)
            ON CONFLICT (document_id) DO UPDATE SET text = excluded.text, summarizer = excluded.summarizer, created_at = excluded.created_at
            """;
        command.Parameters.AddWithValue("$doc", summary.DocumentId);
        command.Parameters.AddWithValue("$text", summary.Text);
        command.Parameters.AddWithValue("$by", summary.Summarizer);
        command.Parameters.AddWithValue("$at", summary.CreatedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Summary?> GetAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT text, summarizer, created_at FROM summaries WHERE document_id = $doc";
        command.Parameters.AddWithValue("$doc", documentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Summary(documentId, reader.GetString(0), reader.GetString(1),
                DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal))
            : null;
    }

    public async Task DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM summaries WHERE document_id = $doc";
        command.Parameters.AddWithValue("$doc", documentId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
