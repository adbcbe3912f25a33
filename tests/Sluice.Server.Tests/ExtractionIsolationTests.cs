using System.Net;
using System.Text;

namespace Sluice.Server.Tests;

/// <summary>
/// A hostile document can no longer take the server down: parsers run in <c>sluice-extractor</c> child processes
/// (the default), and one that hangs, allocates without bound or overflows its stack ends its child; the document
/// is dead-lettered with the reason, the server stays healthy and the other documents of the run complete.
/// </summary>
public sealed class ExtractionIsolationTests
{
    private const string HooksVariable = "SLUICE_EXTRACTOR_TEST_HOOKS";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("hang", "00:00:05", "the extractor process took longer than 00:00:05 and was stopped (Sluice:Extraction:ChildTimeout)")]
    [InlineData("allocate", "00:02:00", "the extractor process ran out of memory (limit 128 MiB, Sluice:Extraction:ChildMemoryLimitMiB)")]
    [InlineData("stack-overflow", "00:02:00", "the extractor process crashed with a stack overflow")]
    public async Task A_parser_that_misbehaves_dead_letters_its_document_and_the_rest_of_the_run_completes(string misbehaviour, string timeout, string reason)
    {
        // Read only by the extractor children this host starts, and only for documents that carry the marker.
        Environment.SetEnvironmentVariable(HooksVariable, "1");
        await using var host = await SluiceTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Sluice:Extraction:ChildTimeout"] = timeout,
            ["Sluice:Extraction:ChildMemoryLimitMiB"] = "128",
        });

        var hostile = await host.AcceptAsync(Encoding.ASCII.GetBytes($"SLUICE-TEST-HOOK:{misbehaviour}\nA hostile document."), $"{misbehaviour}.txt");
        var others = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            others.Add((await host.AcceptAsync(Encoding.UTF8.GetBytes($"Ordinary document number {i} of the run, next to a {misbehaviour}."), $"ordinary-{i}.txt")).Id);
        }

        var failed = await host.WaitForTerminalAsync(hostile.Id);
        Assert.Equal("dead_lettered", failed.Status);
        Assert.Equal("extract", failed.Error?.Stage);
        Assert.Equal(reason, failed.Error?.Reason);
        Assert.Equal("permanent", failed.Stages["extract"].ErrorType);
        foreach (var id in others)
        {
            var done = await host.WaitForTerminalAsync(id);
            Assert.True(done.Status == "completed", $"{id}: {done.Status} ({done.Error?.Stage}: {done.Error?.Reason})");
        }

        using var health = await host.Client.GetAsync(new Uri("/healthz", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var after = await host.AcceptAsync(Encoding.UTF8.GetBytes($"Uploaded after the {misbehaviour}, still extracted."), "after.txt");
        Assert.Equal("completed", (await host.WaitForTerminalAsync(after.Id)).Status);
    }
}
