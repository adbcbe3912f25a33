using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Server.Api;
using Sluice.Server.Security;

namespace Sluice.Server.Tests.Security;

/// <summary>
/// One Sluice that accepts API keys and tokens, holding tenant A's completed document (with a unique phrase), a
/// dead-lettered document of A, and a completed document of B; with keys of every kind.
/// </summary>
public sealed class AccessFixture : IAsyncLifetime
{
    public const string TenantA = "tenant-a";
    public const string TenantB = "tenant-b";

    /// <summary>A phrase only tenant A's document holds.</summary>
    public const string SecretPhrase = "quokka marmalade lighthouse";

    private readonly TestTokens _tokens = new();
    private readonly Dictionary<string, string?> _credentials = new(StringComparer.Ordinal);

    public SluiceTestHost Host { get; private set; } = null!;

    public DocumentResponse DocumentA { get; private set; } = null!;

    public DocumentResponse DocumentB { get; private set; } = null!;

    public string DeadLetterA { get; private set; } = null!;

    public string DeadDocumentA { get; private set; } = null!;

    public TestTokens Tokens => _tokens;

    /// <summary>The <c>Authorization</c> value of a credential by name (null: none).</summary>
    public string? Credential(string name) => _credentials[name];

    public async ValueTask InitializeAsync()
    {
        Host = await SluiceTestHost.StartAsync(_tokens.Settings());
        var keys = Host.Services.GetRequiredService<ApiKeys>();
        var ct = TestContext.Current.CancellationToken;
        async Task<string> Key(string tenant, SluiceRole role, DateTimeOffset? expires = null)
            => "Bearer " + (await keys.CreateAsync(tenant, role, null, expires, ct)).Text;

        _credentials["none"] = null;
        _credentials["malformed key"] = "Bearer sk_not-a-real-key";
        _credentials["basic auth"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:admin"));
        _credentials["A reader"] = await Key(TenantA, SluiceRole.Reader);
        _credentials["A writer"] = await Key(TenantA, SluiceRole.Writer);
        _credentials["A admin"] = await Key(TenantA, SluiceRole.Admin);
        _credentials["B writer"] = await Key(TenantB, SluiceRole.Writer);
        _credentials["B admin"] = await Key(TenantB, SluiceRole.Admin);
        _credentials["A expired key"] = await Key(TenantA, SluiceRole.Admin, DateTimeOffset.UtcNow.AddMinutes(-1));
        var revoked = await keys.CreateAsync(TenantA, SluiceRole.Admin, "revoked", null, ct);
        await keys.RevokeAsync(revoked.Key.Id, ct);
        _credentials["A revoked key"] = "Bearer " + revoked.Text;
        _credentials["A JWT reader"] = "Bearer " + _tokens.Create(TenantA, "reader");
        _credentials["A JWT writer"] = "Bearer " + _tokens.Create(TenantA, "writer");
        _credentials["A JWT admin"] = "Bearer " + _tokens.Create(TenantA, "admin");
        _credentials["A JWT expired"] = "Bearer " + _tokens.Create(TenantA, "admin", TimeSpan.FromMinutes(-5));
        using (var stranger = RSA.Create(2048))
        {
            _credentials["A JWT forged"] = "Bearer " + _tokens.Create(TenantA, "admin", signWith: stranger);
        }

        using var writerA = ClientFor("A writer");
        DocumentA = await AcceptAsync(writerA, Encoding.UTF8.GetBytes(
            $"Field notes. The {SecretPhrase} appears only here. Tenant A keeps its own records about coastal wildlife and sea light."), "a.txt");
        var deadA = await AcceptAsync(writerA, TestDocuments.Docx("never read")[..100], "cut.docx");
        DeadDocumentA = deadA.Id;
        using var writerB = ClientFor("B writer");
        DocumentB = await AcceptAsync(writerB, Encoding.UTF8.GetBytes("Tenant B writes about mountain rivers and granite."), "b.txt");
        foreach (var (client, id) in new[] { (writerA, DocumentA.Id), (writerA, deadA.Id), (writerB, DocumentB.Id) })
        {
            await WaitForTerminalAsync(client, id);
        }

        using var adminA = ClientFor("A admin");
        DeadLetterA = await WaitForDeadLetterAsync(adminA, deadA.Id);
    }

    /// <summary>A client sending the named credential.</summary>
    public HttpClient ClientFor(string credential)
    {
        var client = ((Microsoft.AspNetCore.TestHost.TestServer)Host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()).CreateClient();
        if (_credentials[credential] is { } value)
        {
            client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(value);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        _tokens.Dispose();
    }

    private static async Task<DocumentResponse> AcceptAsync(HttpClient client, byte[] content, string name)
    {
        using var body = new ByteArrayContent(content);
        using var response = await client.PostAsync(new Uri($"/v1/documents?filename={name}", UriKind.Relative), body, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DocumentResponse>(TestContext.Current.CancellationToken))!;
    }

    private static async Task WaitForTerminalAsync(HttpClient client, string id)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        while ((await client.GetFromJsonAsync<DocumentResponse>(new Uri($"/v1/documents/{id}", UriKind.Relative), timeout.Token))!.Status
               is not ("completed" or "failed" or "dead_lettered"))
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private static async Task<string> WaitForDeadLetterAsync(HttpClient client, string documentId)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            var page = await client.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters?limit=500", UriKind.Relative), timeout.Token);
            if (page!.Items.FirstOrDefault(d => d.DocumentId == documentId) is { } found)
            {
                return found.Id;
            }

            await Task.Delay(50, timeout.Token);
        }
    }
}
