using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Api;
using Sluice.Server.Security;

namespace Sluice.Server.Tests.Security;

public sealed class KeysApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAdmin_CreatesAKeyForATenant_ItWorks_IsListedWithoutItsSecret_AndRevokingItLocksItOut()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var admin = await host.ClientForAsync("ops", SluiceRole.Admin);

        using var created = await admin.PostAsJsonAsync(new Uri("/v1/keys", UriKind.Relative), new CreateKeyRequest("acme", "writer", "uploader", null), Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (await created.Content.ReadFromJsonAsync<CreatedKeyResponse>(Ct))!;
        Assert.Equal(("acme", "writer", "active"), (key.Details.Tenant, key.Details.Role, key.Details.State));
        Assert.Equal($"/v1/keys/{key.Details.Id}", created.Headers.Location?.OriginalString);

        using var acme = ((TestServer)host.Services.GetRequiredService<IServer>()).CreateClient();
        acme.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
        using (var upload = await acme.PostAsync(new Uri("/v1/documents?filename=k.txt", UriKind.Relative), new StringContent("made with an API-made key"), Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        }

        var listing = await admin.GetStringAsync(new Uri("/v1/keys?tenant=acme", UriKind.Relative), Ct);
        Assert.Contains(key.Details.Id, listing, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Key[16..], listing, StringComparison.Ordinal);

        using (var revoked = await admin.DeleteAsync(new Uri($"/v1/keys/{key.Details.Id}", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        }

        using var after = await acme.GetAsync(new Uri("/v1/documents", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", await after.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"role":"owner"}""", "Invalid role")]
    [InlineData("""{"role":"reader","tenant":"Bad Tenant"}""", "Invalid tenant")]
    [InlineData("""{"role":"reader","expiresAt":"2001-01-01T00:00:00Z"}""", "Invalid expiry")]
    public async Task BadKeyRequests_Get400_WithTheReason(string body, string title)
    {
        await using var host = await SluiceTestHost.StartAsync();

        using var response = await host.Client.PostAsync(
            new Uri("/v1/keys", UriKind.Relative), new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(title, (await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(Ct))!.Title);
    }
}
