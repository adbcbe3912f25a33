using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Ports;
using Sluice.Server.Api;

namespace Sluice.Server.Tests;

/// <summary>Every kind of bad input gets a clear answer, and none hurts the server.</summary>
public class BadInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EmptyFile_Is400Problem()
    {
        await using var host = await SluiceTestHost.StartAsync();

        using var response = await host.UploadAsync([], "empty.txt");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "empty");
    }

    [Fact]
    public async Task OverTheSizeLimit_Is413Problem_AndNothingIsStored()
    {
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?> { ["Sluice:MaxUploadBytes"] = "4096" });

        using var response = await host.UploadAsync(Encoding.UTF8.GetBytes(new string('x', 5000)), "big.txt");
        using var exactly = await host.UploadAsync(Encoding.UTF8.GetBytes(new string('y', 4096)), "fits.txt");

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "4,096");
        Assert.Equal(HttpStatusCode.Accepted, exactly.StatusCode);
        var fits = (await exactly.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!;
        await host.WaitForTerminalAsync(fits.Id); // the stages write blobs of their own through tmp/
        var page = (await host.Client.GetFromJsonAsync<DocumentPage>(new Uri("/v1/documents", UriKind.Relative), Ct))!;
        Assert.Single(page.Items);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(host.DataDirectory, "blobs", "tmp")));
    }

    [Fact]
    public async Task RandomBytesNamedPdf_Is415Problem()
    {
        await using var host = await SluiceTestHost.StartAsync();

        using var response = await host.UploadAsync(TestDocuments.RandomBytes(20_000), "report.pdf", "application/pdf");

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "report.pdf");
    }

    [Fact]
    public async Task DocxThatIsNotAZip_Is415Problem()
    {
        await using var host = await SluiceTestHost.StartAsync();

        using var response = await host.UploadAsync(TestDocuments.RandomBytes(5_000, seed: 7), "letter.docx");

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "letter.docx");
    }

    [Fact]
    public async Task TruncatedDocx_FailsWithAReason()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var docx = TestDocuments.Docx("A paragraph that will never be read.");

        var document = await host.AcceptAsync(docx[..(docx.Length / 2)], "cut.docx");
        var done = await host.WaitForTerminalAsync(document.Id);

        Assert.Equal("dead_lettered", done.Status);
        Assert.Equal("extract", done.Error?.Stage);
        Assert.Contains("DOCX", done.Error?.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TruncatedPdf_FailsWithAReason_NeverCompletesEmpty()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var pdf = TestDocuments.Pdf([.. Enumerable.Range(1, 40).Select(i => $"Line {i} of a PDF that will be cut in half.")]);

        var document = await host.AcceptAsync(pdf[..(pdf.Length / 2)], "truncated.pdf");
        var done = await host.WaitForTerminalAsync(document.Id);

        Assert.Equal("dead_lettered", done.Status);
        Assert.Equal("extract", done.Error?.Stage);
        Assert.False(string.IsNullOrWhiteSpace(done.Error?.Reason));
        Assert.Equal("dead_lettered", done.Stages["extract"].Status);
        Assert.Equal("pending", done.Stages["chunk"].Status);
    }

    [Fact]
    public async Task EncryptedPdf_FailsAsEncrypted()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var bytes = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "encrypted.pdf"), Ct);

        var document = await host.AcceptAsync(bytes, "secret.pdf");
        var done = await host.WaitForTerminalAsync(document.Id);

        Assert.Equal("dead_lettered", done.Status);
        Assert.Contains("encrypted", done.Error?.Reason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ZipBombDocx_StopsAtTheInflationLimit_AndTheServerStaysHealthy()
    {
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sluice:Extraction:MaxInflatedBytes"] = (8 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var bomb = TestDocuments.ZipBombDocx(200L * 1024 * 1024);
        Assert.True(bomb.Length < 2 * 1024 * 1024, $"the bomb should be small on the wire, was {bomb.Length} bytes");

        var document = await host.AcceptAsync(bomb, "bomb.docx");
        var done = await host.WaitForTerminalAsync(document.Id);

        Assert.Equal("dead_lettered", done.Status);
        Assert.Contains("limit", done.Error?.Reason, StringComparison.OrdinalIgnoreCase);
        using var health = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var after = await host.AcceptAsync(Encoding.UTF8.GetBytes("Still working after the bomb."), "after.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(after.Id)).Status);
    }

    [Fact]
    public async Task DeeplyNestedHtml_FailsWithADepthReason_WithoutStackOverflow()
    {
        await using var host = await SluiceTestHost.StartAsync();

        var deep = await host.AcceptAsync(TestDocuments.NestedHtml(100_000), "deep.html");
        var done = await host.WaitForTerminalAsync(deep.Id);

        Assert.Equal("dead_lettered", done.Status);
        Assert.Contains("deeper than", done.Error?.Reason, StringComparison.Ordinal);
        var moderate = await host.AcceptAsync(TestDocuments.NestedHtml(500), "moderate.html");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(moderate.Id)).Status);
        Assert.Contains("deep inside the nesting", (await host.ChunksAsync(moderate.Id)).Items[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidUtf8AndNulBytes_AreCleanedAndTheTextKept()
    {
        await using var host = await SluiceTestHost.StartAsync();
        var bytes = Encoding.UTF8.GetBytes("Before the damage. ")
            .Concat(new byte[] { 0xC3, 0x28, 0x00, 0xFF, 0x00 })
            .Concat(Encoding.UTF8.GetBytes(" After the damage, the text goes on."))
            .ToArray();

        var document = await host.AcceptAsync(bytes, "damaged.txt");
        var done = await host.WaitForTerminalAsync(document.Id);

        Assert.Equal("completed", done.Status);
        var text = string.Join(' ', (await host.ChunksAsync(document.Id)).Items.Select(c => c.Text));
        Assert.Contains("Before the damage.", text, StringComparison.Ordinal);
        Assert.Contains("the text goes on.", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', text);
    }

    [Fact]
    public async Task PathTraversalFilename_IsStoredSafelyAndShownSanitised()
    {
        await using var host = await SluiceTestHost.StartAsync();

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes("A file that tried to escape."), "../../x.txt");

        Assert.Equal("x.txt", document.Filename);
        Assert.False(File.Exists(Path.Combine(host.DataDirectory, "..", "..", "x.txt")));
        Assert.Equal("completed", (await host.WaitForTerminalAsync(document.Id)).Status);
    }

    [Fact]
    public async Task FiveMegabyteSingleLineMarkdown_Completes()
    {
        // Thousands of chunks: the hashing embedder keeps this about extraction and chunking, not model speed.
        await using var host = await SluiceTestHost.StartAsync(services: s => s.AddSingleton<IEmbedder, HashingEmbedder>());
        var line = new StringBuilder("# Heading ");
        while (line.Length < 5 * 1024 * 1024)
        {
            line.Append("**bold** and _italic_ words with a [link](http://example.com) ");
        }

        var document = await host.AcceptAsync(Encoding.UTF8.GetBytes(line.ToString()), "long.md");
        var done = await host.WaitForTerminalAsync(document.Id, TimeSpan.FromMinutes(3));

        Assert.Equal("completed", done.Status);
        Assert.True(done.Chunks > 100);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string detailContains)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains(detailContains, body, StringComparison.OrdinalIgnoreCase);
    }
}
