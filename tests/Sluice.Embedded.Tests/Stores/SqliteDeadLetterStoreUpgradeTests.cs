using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Sluice.Embedded.Tests.Stores;

/// <summary>A dead-letter file made before dead letters had a tenant opens with the tenant taken from each parked event.</summary>
public sealed class SqliteDeadLetterStoreUpgradeTests : IDisposable
{
    private readonly TempStoreDirectory _directory = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFileWithoutTenants_GetsThemFromTheEnvelopes_AndEventsThatDoNotParse_KeepNone()
    {
        var options = _directory.Options();
        using (var old = new SqliteConnection($"Data Source={options.DeadLettersPath}"))
        {
            old.Open();
            using var create = old.CreateCommand();
            create.CommandText = """
                CREATE TABLE dead_letters (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stage TEXT NOT NULL, document_id TEXT,
                    topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
                    headers TEXT NOT NULL, failed_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'parked', replays INTEGER NOT NULL DEFAULT 0,
                    replayed_at TEXT);
                CREATE INDEX dead_letters_stage ON dead_letters (stage, seq);
                """;
            create.ExecuteNonQuery();
            (string Id, byte[] Value)[] rows =
            [
                ("enveloped", Encoding.UTF8.GetBytes("""{"id":"e1","type":"documents.submitted","tenant":"acme","documentId":"d1","occurredAt":"2026-01-01T00:00:00Z","data":{}}""")),
                ("poison", Encoding.UTF8.GetBytes("{ not json")),
                ("binary", [0xff, 0xfe, 0x00]),
                ("bad-tenant", Encoding.UTF8.GetBytes("""{"tenant":"Not A Tenant!","documentId":"d2"}""")),
            ];
            foreach (var (id, value) in rows)
            {
                using var insert = old.CreateCommand();
                insert.CommandText = """
                    INSERT INTO dead_letters (id, stage, topic, partition, offset, key, value, headers, failed_at)
                    VALUES ($id, 'extract', 'extract.dlq', 0, 0, 'k', $value, '{}', '2026-01-01T00:00:00.0000000Z')
                    """;
                insert.Parameters.AddWithValue("$id", id);
                insert.Parameters.AddWithValue("$value", value);
                insert.ExecuteNonQuery();
            }
        }

        var store = new SqliteDeadLetterStore(Options.Create(options));

        Assert.Equal("acme", (await store.GetAsync("enveloped", Ct))!.Tenant);
        Assert.Null((await store.GetAsync("poison", Ct))!.Tenant);
        Assert.Null((await store.GetAsync("binary", Ct))!.Tenant);
        Assert.Null((await store.GetAsync("bad-tenant", Ct))!.Tenant);
        Assert.Equal(["enveloped"], (await store.ListAsync(null, false, 10, null, "acme", Ct)).Select(d => d.Id));
        Assert.Equal(4, (await store.ListAsync(null, false, 10, null, null, Ct)).Count);
    }

    public void Dispose() => _directory.Dispose();
}
