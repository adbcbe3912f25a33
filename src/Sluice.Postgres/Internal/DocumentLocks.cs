namespace Sluice.Postgres.Internal;

/// <summary>
/// Transaction-level advisory locks per document. Under READ COMMITTED, two transactions that both delete a document's
/// rows and insert new ones do not see each other's inserts: without a lock both sets survive (or the second fails on a
/// key). Holding the document's lock first makes replaces of one document run one after the other, so the last one
/// wins whole. The key is (store, hash of the document id): a hash collision only makes two documents wait for each other.
/// </summary>
internal static class DocumentLocks
{
    /// <summary>The chunk store's lock space (the first key of the two-key form, apart from the migrator's one-key lock).</summary>
    public const int Chunks = 0x5C_0001;

    /// <summary>The search index's lock space.</summary>
    public const int Search = 0x5C_0002;

    /// <summary>Takes the document's lock until the transaction ends: parameters (store, document id).</summary>
    public const string LockSql = "SELECT pg_advisory_xact_lock($1, hashtext($2))";
}
