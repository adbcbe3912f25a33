using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded;

/// <summary>The embedded stores fail with <see cref="SqliteException"/> (a busy or locked file, a full disk, a corrupt page).</summary>
public sealed class SqliteErrorClassifier : IStoreErrorClassifier
{
    public bool IsStoreFailure(Exception exception) => exception is SqliteException;
}
