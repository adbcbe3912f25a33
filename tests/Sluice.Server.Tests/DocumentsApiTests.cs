using System.Net;
using System.Net.Http.Json;
using System.Text;
using Sluice.Server.Api;
using Sluice.Server.Security;

namespace Sluice.Server.Tests;

public class DocumentsApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Upload_AnswersAcceptedWithLocation_ThenCompletesWithChunksMatchingTheSource()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var text = TestDocuments.Prose(120);

        using var response = await host.UploadAsync(Encoding.UTF8.GetBytes(text), "notes.txt", "text/plain");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!;
        Assert.Equal($"/v1/documents/{accepted.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal("accepted", accepted.Status);
        Assert.Equal("notes.txt", accepted.Filename);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), accepted.Bytes);

        var done = await host.WaitForTerminalAsync(accepted.Id);
        Assert.Equal("completed", done.Status);
        Assert.Null(done.Error);
        Assert.Equal("succeeded", done.Stages["extract"].Status);
        Assert.Equal("succeeded", done.Stages["chunk"].Status);
        Assert.NotNull(done.Stages["chunk"].FinishedAt);

        var chunks = await host.ChunksAsync(accepted.Id);
        Assert.True(chunks.Items.Count > 1);
        Assert.Equal(done.Chunks, chunks.Total);
        Assert.All(chunks.Items, c => Assert.Equal(text.Substring(c.Start, c.End - c.Start), c.Text));
        Assert.Equal(Enumerable.Range(0, chunks.Items.Count), chunks.Items.Select(c => c.Index));
    }

    [Fact]
    public async Task Upload_RawBodyWithFilenameQuery_IsAccepted()
    {
        await using var host = await SluiceTestHost.StartAsync();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes("# Title\n\nA raw markdown body about claim checks."));
        content.Headers.ContentType = new("text/markdown");

        using var response = await host.Client.PostAsync(new Uri("/v1/documents?filename=raw.md", UriKind.Relative), content, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var document = (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!;
        Assert.Equal("raw.md", document.Filename);
        Assert.Equal("markdown", document.Format);
        var done = await host.WaitForTerminalAsync(document.Id);
        Assert.Equal("completed", done.Status);
        var chunks = await host.ChunksAsync(document.Id);
        Assert.Contains("A raw markdown body about claim checks.", chunks.Items[0].Text, StringComparison.Ordinal);
        Assert.DoesNotContain("#", chunks.Items[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_SameBytesTwice_ReturnsTheExistingDocumentWith200()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var bytes = Encoding.UTF8.GetBytes(TestDocuments.Prose(5));
        var first = await host.AcceptAsync(bytes, "a.txt");
        await host.WaitForTerminalAsync(first.Id);

        using var again = await host.UploadAsync(bytes, "renamed.txt");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var second = (await again.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!;
        Assert.Equal(first.Id, second.Id);
        Assert.Equal("completed", second.Status);
    }

    [Fact]
    public async Task Pdf_ChunksCarryPageNumbers()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var pdf = TestDocuments.Pdf(
            ["The first page talks about buffering bursts of uploads."],
            ["The second page explains consumer groups and offsets."],
            ["The third page describes dead letters and replay."]);

        var document = await host.AcceptAsync(pdf, "guide.pdf");
        var done = await host.WaitForTerminalAsync(document.Id);

        Assert.Equal("completed", done.Status);
        Assert.Equal("pdf", done.Format);
        var chunks = await host.ChunksAsync(document.Id);
        var all = string.Join(' ', chunks.Items.Select(c => c.Text));
        Assert.Contains("consumer groups and offsets", all, StringComparison.Ordinal);
        Assert.All(chunks.Items, c => Assert.NotNull(c.Page));
        Assert.Equal(1, chunks.Items[0].Page);
    }

    [Fact]
    public async Task Docx_And_Html_CompleteWithTheirText()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var docx = await host.AcceptAsync(TestDocuments.Docx("Release notes for the spring version.", "Uploads now stream to disk."), "notes.docx");
        var html = await host.AcceptAsync(
            Encoding.UTF8.GetBytes("<!DOCTYPE html><html><head><style>p{color:red}</style><script>var secret = 1;</script></head><body><h1>Architecture</h1><p>Stages scale independently.</p></body></html>"),
            "page.html");

        var docxDone = await host.WaitForTerminalAsync(docx.Id);
        var htmlDone = await host.WaitForTerminalAsync(html.Id);

        Assert.Equal("completed", docxDone.Status);
        Assert.Contains("Uploads now stream to disk.", (await host.ChunksAsync(docx.Id)).Items[0].Text, StringComparison.Ordinal);
        Assert.Equal("completed", htmlDone.Status);
        var htmlText = (await host.ChunksAsync(html.Id)).Items[0].Text;
        Assert.Contains("Stages scale independently.", htmlText, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", htmlText, StringComparison.Ordinal);
        Assert.DoesNotContain("color", htmlText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_PagesNewestFirst()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes($"Document number {i} of the listing test."), $"d{i}.txt")).Id);
        }

        var first = (await host.Client.GetFromJsonAsync<DocumentPage>(new Uri("/v1/documents?limit=3", UriKind.Relative), Ct))!;
        var second = (await host.Client.GetFromJsonAsync<DocumentPage>(new Uri($"/v1/documents?limit=3&cursor={first.Next}", UriKind.Relative), Ct))!;

        Assert.Equal(3, first.Items.Count);
        Assert.NotNull(first.Next);
        Assert.Equal(2, second.Items.Count);
        Assert.Null(second.Next);
        Assert.Equal(Enumerable.Reverse(ids), first.Items.Concat(second.Items).Select(d => d.Id));
    }

    [Fact]
    public async Task UnknownId_Is404ProblemJson()
    {
        await using var host = await SluiceTestHost.StartAsync();

        using var response = await host.Client.GetAsync(new Uri("/v1/documents/nope", UriKind.Relative), Ct);
        using var chunks = await host.Client.GetAsync(new Uri("/v1/documents/nope/chunks", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("nope", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, chunks.StatusCode);
    }

    [Fact]
    public async Task OtherTenant_CannotSeeTheDocument()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("Tenant isolation matters."), "t.txt");
        var someoneElse = await host.ClientForAsync("someone-else", SluiceRole.Admin);

        using var response = await someoneElse.GetAsync(new Uri($"/v1/documents/{document.Id}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task HealthOpenApiAndReadiness_AreServed()
    {
        await using var host = await SluiceTestHost.StartAsync();

        using var health = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative), Ct);
        using var ready = await host.Client.GetAsync(new Uri("/readyz", UriKind.Relative), Ct);
        var openApi = await host.Client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("/v1/documents/{id}/chunks", openApi, StringComparison.Ordinal);
    }
}
