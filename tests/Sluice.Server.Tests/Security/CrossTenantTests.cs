using System.Net;
using System.Net.Http.Json;
using Sluice.Server.Api;

namespace Sluice.Server.Tests.Security;

/// <summary>
/// With tenant B's credentials (a writer's, and B's tokens), every way to reach tenant A's documents: by id, by listing,
/// by guessing ids, by searching A's unique phrase in every mode, by deleting, by naming A in the tenant header. Nothing of
/// A's is ever returned or changed, and a stranger cannot tell A's ids from ids that do not exist.
/// </summary>
public sealed class CrossTenantTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("")]
    [InlineData("/chunks")]
    [InlineData("/summary")]
    public async Task ById_AsDocumentThatDoesNotExist(string suffix)
    {
        using var b = fixture.ClientFor("B writer");

        using var aDocument = await b.GetAsync(new Uri($"/v1/documents/{fixture.DocumentA.Id}{suffix}", UriKind.Relative), Ct);
        using var guessed = await b.GetAsync(new Uri($"/v1/documents/{Guessed()}{suffix}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, aDocument.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, guessed.StatusCode);
        var body = await aDocument.Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("lighthouse", body, StringComparison.Ordinal);
        Assert.DoesNotContain("a.txt", body, StringComparison.Ordinal);

        // The same title for both: only the id asked for differs.
        var problemA = await aDocument.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(Ct);
        var problemGuessed = await guessed.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>(Ct);
        Assert.Equal(problemGuessed!.Title, problemA!.Title);
    }

    [Fact]
    public async Task Listing_ShowsOnlyTheCallersOwn()
    {
        using var b = fixture.ClientFor("B admin");

        var page = await b.GetFromJsonAsync<DocumentPage>(new Uri("/v1/documents?limit=500", UriKind.Relative), Ct);

        Assert.Contains(page!.Items, d => d.Id == fixture.DocumentB.Id);
        Assert.DoesNotContain(page.Items, d => d.Id == fixture.DocumentA.Id || d.Id == fixture.DeadDocumentA);
    }

    [Theory]
    [InlineData("hybrid")]
    [InlineData("vector")]
    [InlineData("keyword")]
    public async Task Search_ForTheOtherTenantsUniquePhrase_FindsNothingOfIt(string mode)
    {
        using var a = fixture.ClientFor("A reader");
        using var b = fixture.ClientFor("B writer");
        var query = Uri.EscapeDataString(AccessFixture.SecretPhrase);

        var own = await a.GetFromJsonAsync<SearchResponse>(new Uri($"/v1/search?q={query}&mode={mode}&k=50", UriKind.Relative), Ct);
        var other = await b.GetFromJsonAsync<SearchResponse>(new Uri($"/v1/search?q={query}&mode={mode}&k=50", UriKind.Relative), Ct);
        var filtered = await b.GetFromJsonAsync<SearchResponse>(
            new Uri($"/v1/search?q={query}&mode={mode}&k=50&documentId={fixture.DocumentA.Id}", UriKind.Relative), Ct);

        Assert.Contains(own!.Results, r => r.DocumentId == fixture.DocumentA.Id); // the phrase is there to be found
        Assert.DoesNotContain(other!.Results, r => r.DocumentId == fixture.DocumentA.Id || r.Text.Contains("quokka", StringComparison.Ordinal));
        Assert.Empty(filtered!.Results);
    }

    [Fact]
    public async Task Delete_OfTheOtherTenantsDocument_Is404_AndTheDocumentStays()
    {
        using var a = fixture.ClientFor("A reader");
        using var b = fixture.ClientFor("B admin");

        using var deleted = await b.DeleteAsync(new Uri($"/v1/documents/{fixture.DocumentA.Id}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
        var document = await a.GetFromJsonAsync<DocumentResponse>(new Uri($"/v1/documents/{fixture.DocumentA.Id}", UriKind.Relative), Ct);
        Assert.Equal("completed", document!.Status);
        var chunks = await a.GetFromJsonAsync<ChunkPage>(new Uri($"/v1/documents/{fixture.DocumentA.Id}/chunks", UriKind.Relative), Ct);
        Assert.NotEmpty(chunks!.Items);
    }

    [Theory]
    [InlineData("B writer")]
    [InlineData("B admin")]
    public async Task NamingTheOtherTenantInTheHeader_Is403_NotItsData(string credential)
    {
        using var b = fixture.ClientFor(credential);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/documents/{fixture.DocumentA.Id}");
        request.Headers.Add("X-Sluice-Tenant", AccessFixture.TenantA);

        using var response = await b.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("X-Sluice-Tenant", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenNamingTheOtherTenant_SeesOnlyThatTenant()
    {
        using var b = fixture.ClientFor("none");
        b.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", fixture.Tokens.Create(AccessFixture.TenantB, "admin"));

        using var aDocument = await b.GetAsync(new Uri($"/v1/documents/{fixture.DocumentA.Id}", UriKind.Relative), Ct);
        using var bDocument = await b.GetAsync(new Uri($"/v1/documents/{fixture.DocumentB.Id}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, aDocument.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bDocument.StatusCode);
    }

    [Fact]
    public async Task DeadLetters_OfTheOtherTenant_AreNeitherListedNorShownNorReplayed()
    {
        using var a = fixture.ClientFor("A writer");
        using var b = fixture.ClientFor("B writer");

        var listed = await b.GetFromJsonAsync<DeadLetterPage>(new Uri("/v1/dead-letters?state=all&limit=500", UriKind.Relative), Ct);
        using var shown = await b.GetAsync(new Uri($"/v1/dead-letters/{fixture.DeadLetterA}", UriKind.Relative), Ct);
        using var replayed = await b.PostAsync(new Uri($"/v1/dead-letters/{fixture.DeadLetterA}/replay", UriKind.Relative), null, Ct);
        using var asA = await b.GetAsync(new Uri($"/v1/dead-letters?tenant={AccessFixture.TenantA}", UriKind.Relative), Ct);

        Assert.DoesNotContain(listed!.Items, d => d.Id == fixture.DeadLetterA || d.DocumentId == fixture.DeadDocumentA);
        Assert.Equal(HttpStatusCode.NotFound, shown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, replayed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, asA.StatusCode);
        var own = await a.GetFromJsonAsync<DeadLetterResponse>(new Uri($"/v1/dead-letters/{fixture.DeadLetterA}", UriKind.Relative), Ct);
        Assert.Equal(("parked", 0), (own!.State, own.Replays)); // still parked, never replayed by B
    }

    private static string Guessed() => Guid.NewGuid().ToString("N")[..26];
}
