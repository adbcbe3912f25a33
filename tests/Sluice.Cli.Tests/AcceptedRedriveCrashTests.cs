using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Embedded;
using Sluice.Core.Stages;

namespace Sluice.Cli.Tests;

/// <summary>A server killed between registering an upload and publishing it: the restarted server redrives the document.</summary>
public class AcceptedRedriveCrashTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KilledBetweenRegisteringAndPublishing_TheRestartedServerRedrivesTheDocumentToCompleted()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "sluice-redrive", Guid.NewGuid().ToString("N"));
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        var serve = new[] { "serve", "--data-dir", dataDirectory, "--urls", url.ToString().TrimEnd('/') };
        using var http = new HttpClient { BaseAddress = url };
        var bytes = Encoding.UTF8.GetBytes(CrashRecoveryTests.Document(7));
        var id = Ids.Document("default", Convert.ToHexStringLower(SHA256.HashData(bytes)));

        var crashAfterRegister = new Dictionary<string, string> { ["SLUICE_TEST_CRASH_AFTER_REGISTER"] = "1" };
        await using (var crashing = await SluiceProcess.StartReadyAsync(url, crashAfterRegister, serve))
        {
            using var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new("text/plain");
            await Assert.ThrowsAnyAsync<HttpRequestException>(
                () => http.PostAsync(new Uri("v1/documents?filename=crash.txt", UriKind.Relative), content, Ct));
            await WaitForExitAsync(crashing);
        }

        // The registration is durable; the documents.submitted event was never published.
        using (var store = new SqliteStatusStore(Options.Create(new SqliteStoreOptions
        {
            StatusPath = Path.Combine(dataDirectory, "status.db"),
            PipelineStages = [.. StageNames.Pipeline],
        })))
        {
            Assert.Equal(DocumentState.Accepted, (await store.GetAsync(id, Ct))?.State);
        }

        SqliteConnection.ClearAllPools();

        var redriveSoon = new Dictionary<string, string>
        {
            ["Sluice__Redrive__After"] = "00:00:01",
            ["Sluice__Redrive__Interval"] = "00:00:00.200",
            ["Logging__LogLevel__Sluice.Server.Ingestion.AcceptedRedrive"] = "Information",
        };
        await using (var server = await SluiceProcess.StartReadyAsync(url, redriveSoon, serve))
        {
            var document = await CrashRecoveryTests.WaitForTerminalAsync(http, id);
            Assert.Equal("completed", document.Status);
            Assert.Equal("crash.txt", document.Filename);
            await server.WaitForOutputAsync(l => l.Contains($"Redrove document {id}", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        }

        Directory.Delete(dataDirectory, recursive: true);
    }

    private static async Task WaitForExitAsync(SluiceProcess process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!process.HasExited)
        {
            Assert.True(DateTime.UtcNow < deadline, "the crash switch should have killed the server");
            await Task.Delay(50, Ct);
        }

        Assert.NotEqual(0, process.ExitCode);
    }
}
