using Microsoft.Extensions.Logging;

namespace Sluice.Processing.Internal.Extraction.Isolation;

internal static partial class ExtractionLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Started extractor process {ProcessId}")]
    public static partial void ChildStarted(ILogger logger, int processId);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning,
        Message = "Extractor process {ProcessId} failed on a {Format} document: {Reason} (exit code {ExitCode}); it is replaced. Its last error output:\n{ErrorTail}")]
    public static partial void ChildFailed(ILogger logger, int processId, string format, string reason, int exitCode, string errorTail);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error,
        Message = "The extractor process {Program} did not start (exit code {ExitCode}); documents are retried. Its last error output:\n{ErrorTail}")]
    public static partial void ChildDidNotStart(ILogger logger, string program, int exitCode, string errorTail);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning,
        Message = "No extractor program was found beside the application ({Program}), so documents are parsed in this process: a parser crash will end it. Set Sluice:Extraction:ChildPath, or Sluice:Extraction:Isolation=none to silence this.")]
    public static partial void IsolationUnavailable(ILogger logger, string program);
}
