using Microsoft.Extensions.Logging;

namespace Sluice.Postgres.Internal.Search;

internal static partial class SearchLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Built the HNSW index {Index} for {Dimensions}-dimensional vectors in {Milliseconds:F0} ms")]
    public static partial void IndexBuilt(ILogger logger, string index, int dimensions, double milliseconds);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Dropped the invalid HNSW index {Index} (a build that did not finish) and builds it again")]
    public static partial void InvalidIndexDropped(ILogger logger, string index);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Vectors of {Dimensions} dimensions are more than an HNSW index takes ({Limit}): their searches compare the query with every vector of that dimension")]
    public static partial void NoIndexForDimensions(ILogger logger, int dimensions, int limit);
}
