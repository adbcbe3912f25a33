using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded.Internal.Stores;

namespace Sluice.Embedded;

/// <summary>What monitoring samples: counts by state and the documents not done yet.</summary>
public sealed partial class SqliteStatusStore
{
    /// <inheritdoc />
    /// <remarks>
    /// Read from the partial indexes <c>documents_by_state</c> (live documents) and <c>stages_at_work</c> (running or
    /// retrying stages), joined to their documents by id to leave deleted ones out.
    /// </remarks>
    public async Task<StatusCounts> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _file.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction(deferred: true);
        var documents = new Dictionary<DocumentState, long>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT state, COUNT(*) FROM documents WHERE deleted_at IS NULL GROUP BY state";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (Enum.TryParse<DocumentState>(reader.GetString(0), out var state))
                {
                    documents[state] = reader.GetInt64(1);
                }
            }
        }

        var stages = new List<StageCount>();
        await using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                SELECT s.stage, s.state, COUNT(*) FROM stages s INDEXED BY stages_at_work
                JOIN documents d ON d.id = s.document_id AND d.deleted_at IS NULL
                WHERE s.state IN ('Running', 'Retrying')
                GROUP BY s.stage, s.state
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (Enum.TryParse<StageState>(reader.GetString(1), out var state))
                {
                    stages.Add(new StageCount(reader.GetString(0), state, reader.GetInt64(2)));
                }
            }
        }

        transaction.Commit();
        return new StatusCounts(documents, stages);
    }

    /// <inheritdoc />
    /// <remarks>Read from the partial index <c>documents_in_progress</c>: unfinished live documents only.</remarks>
    public async Task<IReadOnlyList<DocumentStatus>> ListInProgressAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _file.OpenAsync(cancellationToken);
        var ids = new List<string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT id FROM documents INDEXED BY documents_in_progress
                WHERE state IN ('Accepted', 'Processing') AND deleted_at IS NULL ORDER BY seq DESC LIMIT $limit
                """;
            command.Parameters.AddWithValue("$limit", limit);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetString(0));
            }
        }

        using var db = new Statements(connection);
        return [.. ids.Select(id => Read(db, id)).OfType<DocumentStatus>()];
    }
}
