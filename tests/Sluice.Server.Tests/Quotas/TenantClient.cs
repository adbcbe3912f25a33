using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Security;

namespace Sluice.Server.Tests.Quotas;

/// <summary>
/// A client whose requests are a tenant's: it sends a new API key of the tenant (a writer's).
/// </summary>
internal static class TenantClient
{
    public static async Task<HttpClient> ForAsync(SluiceTestHost host, string tenant)
    {
        var (_, key) = await host.Services.GetRequiredService<ApiKeys>().CreateAsync(tenant, SluiceRole.Writer, null, null, TestContext.Current.CancellationToken);
        var client = ((TestServer)host.Services.GetRequiredService<IServer>()).CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>Uploads <paramref name="text"/> as a plain-text file in the multipart field <c>file</c>.</summary>
    public static async Task<HttpResponseMessage> UploadAsync(this HttpClient client, string text, string fileName = "note.txt")
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(text));
        part.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(part, "file", fileName);
        return await client.PostAsync(new Uri("/v1/documents", UriKind.Relative), form, TestContext.Current.CancellationToken);
    }

    /// <summary>A keyword search (no embedding model needed).</summary>
    public static Task<HttpResponseMessage> SearchAsync(this HttpClient client, string query = "quota")
        => client.GetAsync(new Uri($"/v1/search?q={Uri.EscapeDataString(query)}&mode=keyword", UriKind.Relative), TestContext.Current.CancellationToken);
}
