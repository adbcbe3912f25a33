using Microsoft.Extensions.Logging;

namespace Sluice.Embedded.Internal.Index;

internal static partial class SearchIndexLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Search index loaded {Chunks} vectors of {Documents} documents from {Path} in {Milliseconds:F0} ms")]
    public static partial void Loaded(ILogger logger, long chunks, int documents, string path, double milliseconds);

    [LoggerMessage(EventId = 301, Level = LogLevel.Debug, Message = "Search index reloaded {Documents} documents changed between generations {From} and {To}")]
    public static partial void CaughtUp(ILogger logger, int documents, long from, long to);
}
