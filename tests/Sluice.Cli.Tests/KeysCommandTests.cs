namespace Sluice.Cli.Tests;

/// <summary>
/// <c>sluice keys</c> and authentication as a user meets them: keys made straight in the data directory, a server that
/// refuses to be open to the network, and client commands that send <c>--api-key</c>.
/// </summary>
public sealed class KeysCommandTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _data = Path.Combine(Path.GetTempPath(), "sluice-keys-cli-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Create_PrintsTheKeyOnce_ListShowsItsIdNeverItsSecret_RevokeMarksIt()
    {
        await using var created = await SluiceProcess.RunAsync(Timeout, "keys", "create", "--tenant", "acme", "--role", "writer", "--name", "ci", "--expires", "30d", "--data-dir", _data);
        Assert.True(created.ExitCode == 0, created.StandardError);
        var key = Assert.Single(created.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim();
        Assert.Matches("^sk_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$", key);
        var id = key.Substring(3, 12);
        Assert.Contains("shown once", created.StandardError, StringComparison.Ordinal);

        await using var listed = await SluiceProcess.RunAsync(Timeout, "keys", "list", "--data-dir", _data);
        Assert.Contains(id, listed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("active", listed.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(key[16..], listed.StandardOutput, StringComparison.Ordinal);

        await using var revoked = await SluiceProcess.RunAsync(Timeout, "keys", "revoke", id, "--data-dir", _data);
        await using var after = await SluiceProcess.RunAsync(Timeout, "keys", "list", "--tenant", "acme", "--data-dir", _data);
        Assert.True(revoked.ExitCode == 0, revoked.StandardError);
        Assert.Contains("revoked", after.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--role", "owner", "'owner' not recognized. Must be one of: 'reader' 'writer' 'admin'")]
    [InlineData("--tenant", "Not A Tenant", "--tenant must be")]
    [InlineData("--expires", "yesterday", "--expires takes")]
    public async Task Create_WithBadInput_ExitsWithOneLineReason(string option, string value, string reason)
    {
        var args = new List<string> { "keys", "create", "--tenant", "acme", "--role", "reader", "--expires", "30d", "--data-dir", _data };
        args[args.IndexOf(option) + 1] = value;

        await using var run = await SluiceProcess.RunAsync(Timeout, [.. args]);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(reason, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_OnEveryAddress_WithoutAuthentication_RefusesToStart_WithOneLine()
    {
        var port = SluiceProcess.FreePort();

        await using var run = await SluiceProcess.RunAsync(Timeout, "serve", "--data-dir", _data, "--urls", $"http://0.0.0.0:{port}");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("sluice: refusing to serve http://0.0.0.0:", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("--allow-anonymous", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithAKey_TheServerRequiresIt_AndClientCommandsSendIt()
    {
        await using var created = await SluiceProcess.RunAsync(Timeout, "keys", "create", "--tenant", "acme", "--role", "writer", "--data-dir", _data);
        var key = created.StandardOutput.Trim();
        var url = new Uri($"http://127.0.0.1:{SluiceProcess.FreePort()}/");
        await using var server = await SluiceProcess.StartReadyAsync(url, null, "serve", "--data-dir", _data, "--urls", url.ToString().TrimEnd('/'));
        var file = Path.Combine(_data, "note.txt");
        await File.WriteAllTextAsync(file, "A note that only tenant acme may read.", TestContext.Current.CancellationToken);

        await using var anonymous = await SluiceProcess.RunAsync(Timeout, "ingest", "--server", url.ToString(), file);
        await using var keyed = await SluiceProcess.RunAsync(Timeout, new Dictionary<string, string> { ["SLUICE_API_KEY"] = key }, "ingest", "--server", url.ToString(), file);
        await using var flag = await SluiceProcess.RunAsync(Timeout, "search", "only tenant acme", "--server", url.ToString(), "--api-key", key);

        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains("401", anonymous.StandardOutput + anonymous.StandardError, StringComparison.Ordinal);
        Assert.True(keyed.ExitCode == 0, keyed.StandardOutput + keyed.StandardError);
        Assert.True(flag.ExitCode == 0, flag.StandardOutput + flag.StandardError);
        Assert.Contains("note.txt", flag.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
