namespace Sluice.Cli.Tests;

/// <summary>
/// <c>sluice bench chaos</c> at CI size: a real <c>sluice serve</c> killed with SIGKILL, its status store taken down,
/// its LLM failing, documents deleted and uploaded again, and at the end nothing lost, duplicated or leaked.
/// </summary>
public class ChaosBenchTests
{
    [Theory]
    [InlineData("embedded")]
    [InlineData("kafka")]
    public async Task ChaosRun_LosesDuplicatesAndLeaksNothing(string transport)
    {
        await using var run = await SluiceProcess.RunAsync(
            TimeSpan.FromMinutes(8),
            "bench", "chaos", "--transport", transport, "--documents", "60", "--kills", "3", "--interval", "1", "--settle", "5");

        var output = run.StandardOutput;
        Assert.True(run.ExitCode == 0, $"the chaos run failed:\n{output}\n{run.StandardError}");
        Assert.Contains("lost 0, duplicated 0, leaked 0, unexpected 0", output, StringComparison.Ordinal);
        var kills = System.Text.RegularExpressions.Regex.Match(output, @"kills survived (\d+)");
        Assert.True(kills.Success && int.Parse(kills.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 3, output);
        Assert.Contains("chaos: passed", output, StringComparison.Ordinal);
    }
}
