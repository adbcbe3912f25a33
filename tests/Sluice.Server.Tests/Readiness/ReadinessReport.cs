using System.Net;
using System.Text.Json;

namespace Sluice.Server.Tests.Readiness;

/// <summary>A <c>/readyz</c> answer: the HTTP status, the overall status and each check's status and reason.</summary>
internal sealed record ReadinessReport(HttpStatusCode Code, string Status, IReadOnlyDictionary<string, (string Status, string Reason, JsonElement Data)> Checks, string Body)
{
    public static async Task<ReadinessReport> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("status").GetString()!, c.GetProperty("reason").GetString()!,
                  c.TryGetProperty("data", out var data) ? data.Clone() : default));
        return new ReadinessReport(response.StatusCode, json.RootElement.GetProperty("status").GetString()!, checks, body);
    }
}
