namespace Sluice.Cli.Tests;

public class CommandLineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task UnknownFlag_PrintsOneLineAndExitsNonZero()
    {
        await using var run = await SluiceProcess.RunAsync(Timeout, "serve", "--bogus");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sluice: ", line, StringComparison.Ordinal);
        Assert.Contains("--bogus", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableServer_PrintsOneLineAndExitsNonZero()
    {
        var file = Path.Combine(Path.GetTempPath(), $"sluice-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, "Nobody will receive this.", TestContext.Current.CancellationToken);
        var unused = SluiceProcess.FreePort();

        await using var run = await SluiceProcess.RunAsync(Timeout, "ingest", file, "--server", $"http://127.0.0.1:{unused}");

        Assert.Equal(3, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("cannot reach the Sluice server", line, StringComparison.Ordinal);
        File.Delete(file);
    }

    [Fact]
    public async Task Worker_WithAnUnknownStage_PrintsOneLineNamingTheKnownStages_AndExits2()
    {
        await using var run = await SluiceProcess.RunAsync(Timeout, "worker", "--stage", "embed,bogus");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("unknown stage 'bogus'", line, StringComparison.Ordinal);
        Assert.Contains("summarize", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_WithUnknownStores_PrintsOneLineNamingTheAllowedValues_AndExits2()
    {
        await using var run = await SluiceProcess.RunAsync(
            Timeout, new Dictionary<string, string> { ["Sluice__Stores"] = "mongodb" }, "serve", "--data-dir", Path.GetTempPath());

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("sluice: invalid configuration: Sluice:Stores must be one of: embedded, postgres.", line);
    }

    [Fact]
    public async Task Bootstrap_WithTheEmbeddedTransport_PrintsOneLineAndExits2()
    {
        await using var run = await SluiceProcess.RunAsync(Timeout, "serve", "--transport", "embedded", "--bootstrap", "kafka:9092");

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--bootstrap is for --transport kafka", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingPath_PrintsOneLineAndExitsNonZero()
    {
        await using var run = await SluiceProcess.RunAsync(Timeout, "ingest", "/definitely/not/here.pdf");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("neither a file nor a folder", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IngestFolder_WaitsForEveryDocument_ThenStatusShowsIt()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "sluice-cli", Guid.NewGuid().ToString("N"));
        var folder = Path.Combine(dataDirectory, "input");
        Directory.CreateDirectory(Path.Combine(folder, "nested"));
        await File.WriteAllTextAsync(Path.Combine(folder, "one.txt"), "The first file talks about backpressure.", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "nested", "two.md"), "# Two\n\nThe second file is Markdown.", TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(folder, "junk.bin"), [0, 1, 2, 3, 0, 0, 0, 255, 254, 0, 1, 2], TestContext.Current.CancellationToken);
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");

        await using (await SluiceProcess.ServeAsync(Path.Combine(dataDirectory, "data"), url))
        {
            await using var ingest = await SluiceProcess.RunAsync(TimeSpan.FromMinutes(2), "ingest", folder, "--server", url.ToString());

            // junk.bin is refused (415): the run reports it and exits 1, the two documents complete.
            Assert.Equal(1, ingest.ExitCode);
            Assert.Contains("2 completed, 0 failed, 0 dead-lettered, 1 rejected", ingest.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("junk.bin", ingest.StandardOutput, StringComparison.Ordinal);

            var id = ingest.StandardOutput.Split(['│', '|', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
                .First(token => token.Length == 32 && token.All(char.IsAsciiHexDigitLower));
            await using var status = await SluiceProcess.RunAsync(Timeout, "status", id, "--server", url.ToString());
            Assert.Equal(0, status.ExitCode);
            Assert.Contains("completed", status.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("chunk", status.StandardOutput, StringComparison.Ordinal);
        }

        Directory.Delete(dataDirectory, recursive: true);
    }
}
