using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Sluice.Server.Hosting;

/// <summary>
/// Turns an exception no endpoint handled into problem+json that carries no exception text: the exception is logged
/// with the request's trace id, and the client gets a fixed detail plus that <c>traceId</c> to quote. A request the
/// server could not read (<see cref="BadHttpRequestException"/>: malformed, too large) keeps its 4xx status.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var traceId = Activity.Current?.Id ?? httpContext.TraceIdentifier;
        ProblemDetails problem;
        if (exception is BadHttpRequestException bad)
        {
            LogBadRequest(logger, bad.StatusCode, traceId, exception);
            problem = new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request too large" : "Bad request",
                Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? "The request body is larger than the server accepts."
                    : "The request could not be read.",
            };
        }
        else
        {
            LogUnhandled(logger, httpContext.Request.Method, httpContext.Request.Path, traceId, exception);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal server error",
                Detail = "The request failed on the server. The cause is logged under this request's traceId.",
            };
        }

        problem.Extensions["traceId"] = traceId;
        httpContext.Response.StatusCode = problem.Status.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
    }

    [LoggerMessage(1, LogLevel.Error, "Request {Method} {Path} failed (traceId {TraceId})")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, string traceId, Exception exception);

    [LoggerMessage(2, LogLevel.Debug, "Request could not be read: {StatusCode} (traceId {TraceId})")]
    private static partial void LogBadRequest(ILogger logger, int statusCode, string traceId, Exception exception);
}
