using System.Net;
using System.Text;
using Sluice.Server.Security;

namespace Sluice.Server.Tests.Security;

/// <summary>
/// Every endpoint × every kind of credential, each cell's status asserted. Requests of tenant A's own credentials go to
/// A's resources; "B" credentials try A's resources (and get what a stranger gets: nothing of A's). Unauthorized cells
/// must never reach the handler: a 401 or 403, not a 404 or a 200.
/// </summary>
public sealed class AccessMatrixTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    /// <summary>An endpoint: how to call it on the fixture, the least role it needs (null: anyone), and what A's callers and B's callers get once let in.</summary>
    public sealed record Endpoint(string Name, HttpMethod Method, Func<AccessFixture, string> Path, SluiceRole? Minimum, HttpStatusCode Allowed, HttpStatusCode OtherTenant, bool Upload = false, HttpStatusCode? OtherTenantAdmin = null, string? Json = null);

    private static readonly Endpoint[] Endpoints =
    [
        new("upload", HttpMethod.Post, _ => "/v1/documents?filename=m.txt", SluiceRole.Writer, HttpStatusCode.Accepted, HttpStatusCode.Accepted, Upload: true),
        new("list documents", HttpMethod.Get, _ => "/v1/documents", SluiceRole.Reader, HttpStatusCode.OK, HttpStatusCode.OK),
        new("get document", HttpMethod.Get, f => $"/v1/documents/{f.DocumentA.Id}", SluiceRole.Reader, HttpStatusCode.OK, HttpStatusCode.NotFound),
        new("chunks", HttpMethod.Get, f => $"/v1/documents/{f.DocumentA.Id}/chunks", SluiceRole.Reader, HttpStatusCode.OK, HttpStatusCode.NotFound),
        new("summary", HttpMethod.Get, f => $"/v1/documents/{f.DocumentA.Id}/summary", SluiceRole.Reader, HttpStatusCode.OK, HttpStatusCode.NotFound),
        // A document that does not exist, so that the fixture's stay (the cross-tenant suite deletes for real).
        new("delete document", HttpMethod.Delete, _ => "/v1/documents/doc-that-does-not-exist", SluiceRole.Writer, HttpStatusCode.NotFound, HttpStatusCode.NotFound),
        new("search", HttpMethod.Get, _ => "/v1/search?q=lighthouse", SluiceRole.Reader, HttpStatusCode.OK, HttpStatusCode.OK),
        new("list dead letters", HttpMethod.Get, _ => "/v1/dead-letters", SluiceRole.Writer, HttpStatusCode.OK, HttpStatusCode.OK),
        // A writer of B gets what a missing id gets; an admin (of any tenant) sees every tenant's dead letters.
        new("get dead letter", HttpMethod.Get, f => $"/v1/dead-letters/{f.DeadLetterA}", SluiceRole.Writer, HttpStatusCode.OK, HttpStatusCode.NotFound, OtherTenantAdmin: HttpStatusCode.OK),
        new("replay dead letter", HttpMethod.Post, _ => "/v1/dead-letters/dl-that-does-not-exist/replay", SluiceRole.Writer, HttpStatusCode.NotFound, HttpStatusCode.NotFound),
        new("bulk replay", HttpMethod.Post, _ => "/v1/dead-letters/replay?stage=no-such-stage", SluiceRole.Admin, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest),
        new("replay job", HttpMethod.Get, _ => "/v1/dead-letters/replays/no-such-job", SluiceRole.Admin, HttpStatusCode.NotFound, HttpStatusCode.NotFound),
        new("create key", HttpMethod.Post, _ => "/v1/keys", SluiceRole.Admin, HttpStatusCode.Created, HttpStatusCode.Created, Json: """{"role":"reader","name":"matrix"}"""),
        new("list keys", HttpMethod.Get, _ => "/v1/keys", SluiceRole.Admin, HttpStatusCode.OK, HttpStatusCode.OK),
        new("revoke key", HttpMethod.Delete, _ => "/v1/keys/nosuchkey000", SluiceRole.Admin, HttpStatusCode.NotFound, HttpStatusCode.NotFound),
        new("pipeline", HttpMethod.Get, _ => "/v1/pipeline", SluiceRole.Admin, HttpStatusCode.OK, HttpStatusCode.OK),
        new("liveness", HttpMethod.Get, _ => "/healthz", null, HttpStatusCode.OK, HttpStatusCode.OK),
        new("readiness", HttpMethod.Get, _ => "/readyz", null, HttpStatusCode.OK, HttpStatusCode.OK),
        new("OpenAPI", HttpMethod.Get, _ => "/openapi/v1.json", null, HttpStatusCode.OK, HttpStatusCode.OK),
        new("metrics", HttpMethod.Get, _ => "/metrics", null, HttpStatusCode.OK, HttpStatusCode.OK),
    ];

    /// <summary>Credentials, each with the tenant and role it proves (null: it proves nothing).</summary>
    private static readonly (string Name, string? Tenant, SluiceRole? Role)[] Credentials =
    [
        ("none", null, null),
        ("malformed key", null, null),
        ("basic auth", null, null),
        ("A revoked key", null, null),
        ("A expired key", null, null),
        ("A JWT expired", null, null),
        ("A JWT forged", null, null),
        ("A reader", AccessFixture.TenantA, SluiceRole.Reader),
        ("A writer", AccessFixture.TenantA, SluiceRole.Writer),
        ("A admin", AccessFixture.TenantA, SluiceRole.Admin),
        ("A JWT reader", AccessFixture.TenantA, SluiceRole.Reader),
        ("A JWT writer", AccessFixture.TenantA, SluiceRole.Writer),
        ("A JWT admin", AccessFixture.TenantA, SluiceRole.Admin),
        ("B writer", AccessFixture.TenantB, SluiceRole.Writer),
        ("B admin", AccessFixture.TenantB, SluiceRole.Admin),
    ];

    public static TheoryData<string, string> Cells()
    {
        var cells = new TheoryData<string, string>();
        foreach (var endpoint in Endpoints)
        {
            foreach (var credential in Credentials)
            {
                cells.Add(endpoint.Name, credential.Name);
            }
        }

        return cells;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public async Task Cell(string endpointName, string credentialName)
    {
        var endpoint = Endpoints.Single(e => e.Name == endpointName);
        var credential = Credentials.Single(c => c.Name == credentialName);
        using var client = fixture.ClientFor(credentialName);
        using var request = new HttpRequestMessage(endpoint.Method, endpoint.Path(fixture));
        if (endpoint.Upload)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes($"A matrix upload by {credentialName}, {Guid.NewGuid()}."));
        }

        if (endpoint.Json is { } json)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        var expected = Expected(endpoint, credential.Tenant, credential.Role);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(expected == response.StatusCode, $"{endpointName} with {credentialName}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        if ((int)expected >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        if (expected == HttpStatusCode.Unauthorized)
        {
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    private static HttpStatusCode Expected(Endpoint endpoint, string? tenant, SluiceRole? role)
    {
        if (endpoint.Minimum is not { } minimum)
        {
            return endpoint.Allowed;
        }

        if (role is not { } held)
        {
            return HttpStatusCode.Unauthorized;
        }

        if (held < minimum)
        {
            return HttpStatusCode.Forbidden;
        }

        return tenant == AccessFixture.TenantA ? endpoint.Allowed
            : held == SluiceRole.Admin && endpoint.OtherTenantAdmin is { } forAdmin ? forAdmin
            : endpoint.OtherTenant;
    }

    /// <summary>How many cells the matrix has (the closing note lists it).</summary>
    public static int CellCount => Cells().Count;
}
