using System.Net;
using System.Net.Http.Json;
using System.Text;
using Sluice.Server.Api;

namespace Sluice.Cli.Tests;

public class CrashRecoveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KillDashNine_WhileDocumentsAreInFlight_RestartFinishesEveryOneWithoutDuplicateChunks()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "sluice-crash", Guid.NewGuid().ToString("N"));
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        using var http = new HttpClient { BaseAddress = url };
        var ids = new List<string>();
        int inFlightAtKill;

        await using (var server = await SluiceProcess.ServeAsync(dataDirectory, url))
        {
            var uploads = Enumerable.Range(0, 50).Select(async i =>
            {
                using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Document(i)));
                content.Headers.ContentType = new("text/plain");
                using var response = await http.PostAsync(new Uri($"v1/documents?filename=doc-{i}.txt", UriKind.Relative), content, Ct);
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                return (await response.Content.ReadFromJsonAsync<DocumentResponse>(Ct))!.Id;
            });
            ids.AddRange(await Task.WhenAll(uploads));

            var page = (await http.GetFromJsonAsync<DocumentPage>(new Uri("v1/documents?limit=100", UriKind.Relative), Ct))!;
            inFlightAtKill = page.Items.Count(d => d.Status is not ("completed" or "failed" or "dead_lettered"));
            await server.KillAsync();
        }

        Assert.True(inFlightAtKill > 0, "the kill should have happened while documents were still in flight");

        await using (await SluiceProcess.ServeAsync(dataDirectory, url))
        {
            foreach (var id in ids)
            {
                var document = await WaitForTerminalAsync(http, id);
                Assert.Equal("completed", document.Status);

                var chunks = (await http.GetFromJsonAsync<ChunkPage>(new Uri($"v1/documents/{id}/chunks?limit=500", UriKind.Relative), Ct))!;
                Assert.Equal(document.Chunks, chunks.Total);
                Assert.Equal(chunks.Items.Count, chunks.Items.Select(c => c.Id).Distinct().Count());
                Assert.Equal(Enumerable.Range(0, chunks.Items.Count), chunks.Items.Select(c => c.Index));
            }
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    /// <summary>Distinct documents of about 4 KB (a few chunks each): with embedding in the pipeline, 50 of them keep the stages busy for a while.</summary>
    internal static string Document(int i)
        => string.Join(' ', Enumerable.Range(0, 40).Select(s =>
            $"Document {i} sentence {s} records that acknowledged uploads survive a crash of the whole process."));

    internal static async Task<DocumentResponse> WaitForTerminalAsync(HttpClient http, string id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var document = (await http.GetFromJsonAsync<DocumentResponse>(new Uri($"v1/documents/{id}", UriKind.Relative), Ct))!;
            if (document.Status is "completed" or "failed" or "dead_lettered")
            {
                return document;
            }

            Assert.True(DateTime.UtcNow < deadline, $"document {id} is still {document.Status} after the restart");
            await Task.Delay(100, Ct);
        }
    }
}
