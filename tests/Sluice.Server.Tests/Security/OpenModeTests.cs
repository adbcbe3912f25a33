using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Security;

namespace Sluice.Server.Tests.Security;

/// <summary>A fresh install (no key, no token issuer): open on loopback as the default tenant's admin, until the first key.</summary>
public sealed class OpenModeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithoutKeys_TheLocalCallerIsTheDefaultTenantsAdmin_AndAHeaderMayOnlyRepeatIt()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("Open mode works for a newcomer."), "n.txt");

        using var same = new HttpRequestMessage(HttpMethod.Get, $"/v1/documents/{document.Id}") { Headers = { { "X-Sluice-Tenant", "default" } } };
        using var other = new HttpRequestMessage(HttpMethod.Get, $"/v1/documents/{document.Id}") { Headers = { { "X-Sluice-Tenant", "someone" } } };
        using var sameResponse = await host.Client.SendAsync(same, Ct);
        using var otherResponse = await host.Client.SendAsync(other, Ct);
        using var deadLetters = await host.Client.GetAsync(new Uri("/v1/dead-letters", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, sameResponse.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deadLetters.StatusCode);
    }

    [Fact]
    public async Task TheFirstKey_EndsOpenMode_AtOnce()
    {
        await using var host = await SluiceTestHost.StartAsync();
        using var before = await host.Client.GetAsync(new Uri("/v1/documents", UriKind.Relative), Ct);

        var keyed = await host.ClientForAsync("default", SluiceRole.Reader);
        using var anonymous = await host.Client.GetAsync(new Uri("/v1/documents", UriKind.Relative), Ct);
        using var withKey = await keyed.GetAsync(new Uri("/v1/documents", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("sluice keys create", (await anonymous.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(Ct))!.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", false, HttpStatusCode.OK)]
    [InlineData("::1", false, HttpStatusCode.OK)]
    [InlineData("10.1.2.3", false, HttpStatusCode.Unauthorized)]
    [InlineData("10.1.2.3", true, HttpStatusCode.OK)]
    public async Task OpenMode_ServesLoopbackOnly_UnlessAnonymousIsAllowed(string remote, bool allowAnonymous, HttpStatusCode expected)
    {
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?> { ["Sluice:Auth:AllowAnonymous"] = allowAnonymous ? "true" : "false" });
        var server = (TestServer)host.Services.GetRequiredService<IServer>();

        var context = await server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/v1/documents";
            c.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        }, Ct);

        Assert.Equal((int)expected, context.Response.StatusCode);
    }

    [Fact]
    public async Task AValidToken_WithoutATenantClaim_Is401_SayingWhichClaim()
    {
        using var tokens = new TestTokens();
        await using var host = await SluiceTestHost.StartAsync(tokens.Settings());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.Create(null, "admin"));

        using var response = await host.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("'sluice_tenant'", (await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(Ct))!.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("other-audience", TestTokens.Issuer)]
    [InlineData(TestTokens.Audience, "https://another-issuer.test")]
    public async Task ATokenForAnotherAudienceOrIssuer_Is401(string audience, string issuer)
    {
        using var tokens = new TestTokens();
        await using var host = await SluiceTestHost.StartAsync(tokens.Settings());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/documents");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.Create("acme", "admin", audience: audience, issuer: issuer));

        using var response = await host.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task RoleClaims_WithAPrefix_AndSeveralValues_TakeTheHighestSluiceRole()
    {
        using var tokens = new TestTokens();
        var settings = tokens.Settings();
        settings["Sluice:Auth:Jwt:RolePrefix"] = "sluice.";
        await using var host = await SluiceTestHost.StartAsync(settings);

        async Task<HttpStatusCode> UploadAsync(string roles)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/documents?filename=r.txt") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("roles " + roles)) };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.Create("acme", roles));
            using var response = await host.Client.SendAsync(request, Ct);
            TestContext.Current.TestOutputHelper?.WriteLine($"{roles}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Accepted, await UploadAsync("sluice.reader sluice.writer"));
        Assert.Equal(HttpStatusCode.Forbidden, await UploadAsync("writer sluice.reader")); // "writer" lacks the prefix
        Assert.Equal(HttpStatusCode.Unauthorized, await UploadAsync("admin")); // no Sluice role at all
    }
}
