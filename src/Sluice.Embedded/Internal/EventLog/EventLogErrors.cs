using Microsoft.Data.Sqlite;
using Sluice.Core.Ports;

namespace Sluice.Embedded.Internal.EventLog;

internal static class EventLogErrors
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteProtocol = 15;

    public static EventLogException From(SqliteException exception, string operation) =>
        new($"The event log could not {operation}: {exception.Message}", exception)
        {
            IsTransient = exception.SqliteErrorCode is SqliteBusy or SqliteLocked or SqliteIoError or SqliteFull or SqliteProtocol,
        };

    public static EventLogException Permanent(string message) => new(message) { IsTransient = false };
}
