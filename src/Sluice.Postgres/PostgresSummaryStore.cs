using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>Summaries in PostgreSQL, one per document; saving again replaces (one upsert, so concurrent saves never fail).</summary>
public sealed class PostgresSummaryStore(PostgresDatabase database) : ISummaryStore
{
    public async Task SaveAsync(Summary summary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(summary);
        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.Command(connection, null, """
            INSERT INTO summaries (document_id, text, summarizer, created_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (document_id) DO UPDATE SET text = excluded.text, summarizer = excluded.summarizer, created_at = excluded.created_at
            """).With(summary.DocumentId).With(summary.Text).With(summary.Summarizer).With(summary.CreatedAt).ExecuteAsync(cancellationToken);
    }

    public async Task<Summary?> GetAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, "SELECT text, summarizer, created_at FROM summaries WHERE document_id = $1").With(documentId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Summary(documentId, reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2))
            : null;
    }

    public async Task DeleteAsync(string documentId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await Sql.Command(connection, null, "DELETE FROM summaries WHERE document_id = $1").With(documentId).ExecuteAsync(cancellationToken);
    }
}
