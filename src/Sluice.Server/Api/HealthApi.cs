using Sluice.Core.Ports;

namespace Sluice.Server.Api;

public static class HealthApi
{
    public static void MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new { status = "ok" })).WithTags("Health").WithSummary("Liveness");
        routes.MapGet("/readyz", ReadyAsync).WithTags("Health").WithSummary("Readiness: stores and event log reachable");
    }

    private static async Task<IResult> ReadyAsync(IStatusStore statuses, Hosting.TopicProvisioner topics, CancellationToken cancellationToken)
    {
        if (!topics.IsReady)
        {
            return TypedResults.Problem(statusCode: 503, title: "Not ready", detail: "The event log topics are not provisioned yet.");
        }

        try
        {
            await statuses.GetAsync("readiness-probe", cancellationToken);
            return TypedResults.Ok(new { status = "ready" });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return TypedResults.Problem(statusCode: 503, title: "Not ready", detail: $"The status store is unavailable: {ex.Message}");
        }
    }
}
