using Sluice.Core.Ports;
using Sluice.Testing;

namespace Sluice.Postgres.Tests;

/// <summary>
/// The attempt journal shared by processes on many hosts. Each journal here stands for a process with its own pool; a
/// process dies when the server ends the session that holds its lock (as it does when the process's socket closes).
/// </summary>
public sealed class PostgresAttemptJournalTests(PostgresServer server) : IAsyncDisposable
{
    private static readonly AttemptKey Record = new("extract", "documents.submitted", 3, 42);
    private readonly PostgresTestSchema _schema = new(server);
    private readonly List<PostgresAttemptJournal> _journals = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStartByAProcessThatDied_CountsAsADeath_OnAnotherHost()
    {
        var first = await ProcessAsync();
        Assert.Equal(new AttemptHistory(0, 0), await first.BeginAsync(Record, Ct));
        await first.MarkAloneAsync(Record, Ct);
        await DieAsync(first); // while handling the record

        var second = await ProcessAsync();
        Assert.Equal(new AttemptHistory(1, 1), await second.BeginAsync(Record, Ct));
        await DieAsync(second); // too, not alone this time

        var third = await ProcessAsync();
        Assert.Equal(new AttemptHistory(2, 1), await third.BeginAsync(Record, Ct));
    }

    [Fact]
    public async Task StartsByLiveProcesses_AndByThisOne_AreNoDeaths()
    {
        var busy = await ProcessAsync();
        await busy.BeginAsync(Record, Ct);
        var other = await ProcessAsync();

        Assert.Equal(new AttemptHistory(0, 0), await other.BeginAsync(Record, Ct));
        Assert.Equal(new AttemptHistory(0, 0), await other.BeginAsync(Record, Ct));
    }

    [Fact]
    public async Task End_ForgetsEveryStart_OfThatRecordOnly()
    {
        var first = await ProcessAsync();
        var otherRecord = Record with { Offset = 43 };
        await first.BeginAsync(Record, Ct);
        await first.BeginAsync(otherRecord, Ct);
        await first.EndAsync(Record, Ct);
        await DieAsync(first);

        var second = await ProcessAsync();
        Assert.Equal(new AttemptHistory(0, 0), await second.BeginAsync(Record, Ct));
        Assert.Equal(new AttemptHistory(1, 0), await second.BeginAsync(otherRecord, Ct));
    }

    [Fact]
    public async Task AProcessShutDown_LeavesItsUnfinishedStartsAsDeaths()
    {
        var first = await ProcessAsync();
        await first.BeginAsync(Record, Ct);
        await first.DisposeAsync();

        var second = await ProcessAsync();
        Assert.Equal(new AttemptHistory(1, 0), await second.BeginAsync(Record, Ct));
    }

    /// <summary>Ends the session that holds the journal's lock, as the server does when its process dies.</summary>
    private async Task DieAsync(PostgresAttemptJournal journal)
    {
        var token = journal.Token ?? throw new InvalidOperationException("The journal holds no lock.");
        var database = await _schema.OpenAsync();
        await using var connection = await database.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND classid = $1::oid AND objid = $2::oid", connection)
        {
            Parameters = { new() { Value = PostgresAttemptJournal.ProcessLockSpace }, new() { Value = token } },
        };
        Assert.Equal(1L, await command.ExecuteScalarAsync(Ct));
    }

    private async Task<PostgresAttemptJournal> ProcessAsync()
    {
        var journal = new PostgresAttemptJournal(await _schema.OpenAsync());
        _journals.Add(journal);
        return journal;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var journal in _journals)
        {
            await journal.DisposeAsync();
        }

        await _schema.DisposeAsync();
    }
}
