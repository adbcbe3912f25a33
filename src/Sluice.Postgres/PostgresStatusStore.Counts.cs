using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Postgres.Internal;

namespace Sluice.Postgres;

/// <summary>What monitoring samples: counts by state and the documents not done yet.</summary>
public sealed partial class PostgresStatusStore
{
    /// <inheritdoc />
    /// <remarks>
    /// Read from the partial indexes <c>documents_by_state</c> (live documents) and <c>stages_at_work</c> (running or
    /// retrying stages), in one statement (one snapshot); stages of deleted documents are left out by id.
    /// </remarks>
    public async Task<StatusCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, """
            SELECT NULL::text, state, count(*) FROM documents WHERE deleted_at IS NULL GROUP BY state
            UNION ALL
            SELECT s.stage, s.state, count(*) FROM stages s
            JOIN documents d ON d.id = s.document_id AND d.deleted_at IS NULL
            WHERE s.state IN ('Running', 'Retrying')
            GROUP BY s.stage, s.state
            """);
        var documents = new Dictionary<DocumentState, long>();
        var stages = new List<StageCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.IsDBNull(0))
            {
                if (Enum.TryParse<DocumentState>(reader.GetString(1), out var state))
                {
                    documents[state] = reader.GetInt64(2);
                }
            }
            else if (Enum.TryParse<StageState>(reader.GetString(1), out var state))
            {
                stages.Add(new StageCount(reader.GetString(0), state, reader.GetInt64(2)));
            }
        }

        return new StatusCounts(documents, stages);
    }

    /// <inheritdoc />
    /// <remarks>Read from the partial index <c>documents_in_progress</c>: unfinished live documents only.</remarks>
    public async Task<IReadOnlyList<DocumentStatus>> ListInProgressAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Sql.Command(connection, null, $"""
            SELECT {DocumentColumns}, {StageColumns}
            FROM (SELECT * FROM documents WHERE state IN ('Accepted', 'Processing') AND deleted_at IS NULL ORDER BY seq DESC LIMIT $1) d
            LEFT JOIN stages s ON s.document_id = d.id
            ORDER BY d.seq DESC
            """).With(limit);
        var rows = await ReadStatusesAsync(command, cancellationToken);
        return [.. rows.Select(r => r.Status)];
    }
}
