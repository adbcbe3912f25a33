using System.Net;
using System.Text;
using Microsoft.Extensions.Options;

namespace Sluice.Server.Tests.Hardening;

/// <summary>Forwarded headers, host filtering, CORS and security headers, as a client on a network sees them.</summary>
public class HardeningTests
{
    private const string Proxy = "10.0.0.7";
    private const string Client = "203.0.113.9";

    private static readonly Dictionary<string, string?> BehindProxy = new()
    {
        ["Sluice:ForwardedHeaders:Enabled"] = "true",
        ["Sluice:ForwardedHeaders:KnownProxies:0"] = Proxy,
    };

    [Fact]
    public async Task EveryResponse_CarriesTheSecurityHeaders_AndNoHstsOverHttp()
    {
        await using var host = await HardenedHost.StartAsync();

        foreach (var path in new[] { "/healthz", "/v1/documents", "/v1/documents/no-such-id", "/v1/search" })
        {
            var response = (await host.SendAsync("GET", path, host: "sluice.example")).Response;

            Assert.True(response.StatusCode is 200 or 400 or 404, $"{path}: {response.StatusCode}");
            Assert.Equal("nosniff", response.Headers.XContentTypeOptions.ToString());
            Assert.Equal("DENY", response.Headers.XFrameOptions.ToString());
            Assert.Contains("frame-ancestors 'none'", response.Headers.ContentSecurityPolicy.ToString(), StringComparison.Ordinal);
            Assert.Equal("no-referrer", response.Headers["Referrer-Policy"].ToString());
            Assert.Equal("no-store", response.Headers.CacheControl.ToString());
            Assert.False(response.Headers.ContainsKey("Strict-Transport-Security"), path);
        }
    }

    [Fact]
    public async Task FromAKnownProxy_ForwardedAddressAndScheme_AreApplied_AndHttpsGetsHsts()
    {
        await using var host = await HardenedHost.StartAsync(BehindProxy);

        var context = await host.SendAsync("GET", "/probe", from: Proxy, host: "sluice.example",
            headers: [("X-Forwarded-For", Client), ("X-Forwarded-Proto", "https")]);

        Assert.Equal($"https {Client}", await HardenedHost.BodyAsync(context));
        Assert.Equal("max-age=31536000", context.Response.Headers.StrictTransportSecurity.ToString());
    }

    [Fact]
    public async Task FromAnUnknownProxy_ForwardedHeaders_AreIgnored()
    {
        await using var host = await HardenedHost.StartAsync(BehindProxy);

        var context = await host.SendAsync("GET", "/probe", from: "10.0.0.8", host: "sluice.example",
            headers: [("X-Forwarded-For", Client), ("X-Forwarded-Proto", "https")]);

        Assert.Equal("http 10.0.0.8", await HardenedHost.BodyAsync(context));
        Assert.False(context.Response.Headers.ContainsKey("Strict-Transport-Security"));
    }

    [Fact]
    public async Task ByDefault_ForwardedHeaders_AreIgnored_EvenFromLoopback()
    {
        await using var host = await HardenedHost.StartAsync();

        var context = await host.SendAsync("GET", "/probe", from: "127.0.0.1", headers: [("X-Forwarded-For", Client), ("X-Forwarded-Proto", "https")]);

        Assert.Equal("http 127.0.0.1", await HardenedHost.BodyAsync(context));
    }

    [Fact]
    public async Task AHostNotInAllowedHosts_Gets400()
    {
        await using var host = await HardenedHost.StartAsync(new Dictionary<string, string?> { ["AllowedHosts"] = "sluice.example;*.sluice.example" });

        var other = (await host.SendAsync("GET", "/healthz", host: "evil.example")).Response;
        var allowed = (await host.SendAsync("GET", "/healthz", host: "sluice.example")).Response;
        var sub = (await host.SendAsync("GET", "/healthz", host: "api.sluice.example")).Response;

        Assert.Equal(400, other.StatusCode);
        Assert.Equal(200, allowed.StatusCode);
        Assert.Equal(200, sub.StatusCode);
    }

    [Fact]
    public async Task Cors_IsOffByDefault_NoHeadersAtAll()
    {
        await using var host = await HardenedHost.StartAsync();

        var preflight = (await Preflight(host, "https://app.example")).Response;
        var get = (await host.SendAsync("GET", "/v1/documents", headers: [("Origin", "https://app.example")])).Response;

        Assert.DoesNotContain(preflight.Headers.Keys, k => k.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(get.Headers.Keys, k => k.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Cors_AllowsTheListedOrigins_AndNoOther()
    {
        await using var host = await HardenedHost.StartAsync(new Dictionary<string, string?> { ["Sluice:Cors:AllowedOrigins:0"] = "https://app.example" });

        var allowed = (await Preflight(host, "https://app.example")).Response;
        var other = (await Preflight(host, "https://evil.example")).Response;
        var get = (await host.SendAsync("GET", "/v1/documents", headers: [("Origin", "https://app.example")])).Response;

        Assert.Equal(204, allowed.StatusCode);
        Assert.Equal("https://app.example", allowed.Headers.AccessControlAllowOrigin.ToString());
        var allowedHeaders = allowed.Headers.AccessControlAllowHeaders.ToString();
        Assert.Contains("Authorization", allowedHeaders, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Last-Event-ID", allowedHeaders, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("POST", allowed.Headers.AccessControlAllowMethods.ToString(), StringComparison.Ordinal);
        Assert.False(allowed.Headers.ContainsKey("Access-Control-Allow-Credentials"));
        Assert.DoesNotContain(other.Headers.Keys, k => k.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("https://app.example", get.Headers.AccessControlAllowOrigin.ToString());
        Assert.Contains("Location", get.Headers.AccessControlExposeHeaders.ToString(), StringComparison.Ordinal);
        Assert.Contains("Retry-After", get.Headers.AccessControlExposeHeaders.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sluice:ForwardedHeaders:KnownProxies:0", "10.0.0.300", "is not an IP address")]
    [InlineData("Sluice:ForwardedHeaders:KnownNetworks:0", "10.0.0.0", "CIDR")]
    [InlineData("Sluice:Cors:AllowedOrigins:0", "*", "no wildcard")]
    [InlineData("Sluice:Cors:AllowedOrigins:0", "https://app.example/path", "no path")]
    public async Task ABadSetting_FailsTheStart_Clearly(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => HardenedHost.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnKestrel_ABigBodyOutsideTheUpload_Is413_TheUploadKeepsItsOwnLimit_AndHugeHeadersOrQueriesAreRefused()
    {
        await using var host = await HardenedHost.StartAsync(kestrel: true);
        using var http = new HttpClient { BaseAddress = new Uri(host.App.Urls.First()) };
        var ct = TestContext.Current.CancellationToken;
        var json = "[" + string.Join(',', Enumerable.Repeat("\"xxxxxxxxxxxxxxxx\"", 120_000)) + "]"; // about 2.3 MB

        using var small = await http.PostAsync(new Uri("/probe", UriKind.Relative), new StringContent("[1]", Encoding.UTF8, "application/json"), ct);
        using var big = await http.PostAsync(new Uri("/probe", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), ct);
        using var form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.UTF8.GetBytes(json)), "file", "big.txt" } };
        using var upload = await http.PostAsync(new Uri("/v1/documents", UriKind.Relative), form, ct);
        using var headers = new HttpRequestMessage(HttpMethod.Get, "/healthz") { Headers = { { "X-Padding", new string('h', 40 * 1024) } } };
        using var bigHeader = await http.SendAsync(headers, ct);
        using var longQuery = await http.GetAsync(new Uri("/v1/search?q=" + new string('q', 10 * 1024), UriKind.Relative), ct);

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, bigHeader.StatusCode);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, longQuery.StatusCode);
    }

    private static Task<Microsoft.AspNetCore.Http.HttpContext> Preflight(HardenedHost host, string origin)
        => host.SendAsync("OPTIONS", "/v1/documents", headers:
        [
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "authorization,content-type"),
        ]);
}
