using System.Net;
using System.Net.Http.Json;

namespace Sluice.Server.Tests.Quotas;

internal static class QuotaTestKit
{
    /// <summary>An API host without stages (quotas act at the door), with <paramref name="quotas"/> under <c>Sluice:Quotas</c>.</summary>
    public static Task<SluiceTestHost> StartAsync(params (string Key, string Value)[] quotas)
    {
        var settings = new Dictionary<string, string?> { ["Sluice:Stages"] = "", ["Sluice:Redrive:Enabled"] = "false" };
        foreach (var (key, value) in quotas)
        {
            settings["Sluice:Quotas:" + key] = value;
        }

        return SluiceTestHost.StartAsync(settings);
    }

    /// <summary>A text of exactly <paramref name="bytes"/> ASCII bytes, distinct for each <paramref name="seed"/>.</summary>
    public static string Text(int bytes, string seed)
    {
        var head = $"Quota test document {seed}. ";
        return (head + new string('q', Math.Max(0, bytes - head.Length)))[..bytes];
    }

    /// <summary>Asserts the status and returns the problem body, which must be problem+json.</summary>
    public static async Task<Problem> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<Problem>(TestContext.Current.CancellationToken);
        Assert.NotNull(problem);
        Assert.Equal((int)status, problem.Status);
        return problem;
    }

    public static void AssertStatus(HttpResponseMessage response, HttpStatusCode status)
        => Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}");
}

/// <summary>The fields of a problem+json body the tests read.</summary>
internal sealed record Problem(int Status, string Title, string Detail);
