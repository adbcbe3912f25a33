using Npgsql;
using Sluice.Core.Ports;

namespace Sluice.Postgres;

/// <summary>
/// The PostgreSQL stores fail with <see cref="NpgsqlException"/> (connection refused or lost, a server shutting down,
/// a pool exhausted, a statement the server rejected while it was in recovery); <see cref="PostgresException"/>, the
/// server's own errors, is one of them.
/// </summary>
public sealed class PostgresErrorClassifier : IStoreErrorClassifier
{
    public bool IsStoreFailure(Exception exception) => exception is NpgsqlException;
}
