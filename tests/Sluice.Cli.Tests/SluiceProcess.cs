using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli.Tests;

/// <summary>The real <c>sluice</c> program as a child process: what a user runs, killable with SIGKILL.</summary>
public sealed class SluiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private SluiceProcess(Process process)
    {
        _process = process;
    }

    public string StandardOutput
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    /// <summary>The built <c>sluice.dll</c> of this configuration (the test project references the CLI project).</summary>
    public static string ProgramPath
    {
        get
        {
            var candidate = Path.Combine(AppContext.BaseDirectory, "sluice.dll");
            return File.Exists(candidate) ? candidate : throw new FileNotFoundException("sluice.dll is not next to the tests", candidate);
        }
    }

    public static SluiceProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ProgramPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment.Remove("SLUICE_SERVER");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var result = new SluiceProcess(process);
        process.OutputDataReceived += (_, e) => Append(result._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(result._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return result;
    }

    /// <summary>Runs a command to completion and returns its exit code.</summary>
    public static async Task<SluiceProcess> RunAsync(TimeSpan timeout, params string[] args)
    {
        var process = Start(args);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        await process._process.WaitForExitAsync(cts.Token);
        return process;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <c>sluice serve</c> and waits until it answers <c>/readyz</c>.</summary>
    public static async Task<SluiceProcess> ServeAsync(string dataDirectory, Uri url)
    {
        var process = Start("serve", "--data-dir", dataDirectory, "--urls", url.ToString().TrimEnd('/'));
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"sluice serve exited with {process.ExitCode}: {process.StandardError}");
            }

            try
            {
                using var ready = await http.GetAsync(new Uri("readyz", UriKind.Relative), TestContext.Current.CancellationToken);
                if (ready.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        await process.DisposeAsync();
        throw new TimeoutException("sluice serve did not become ready within 90 s");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, exactly like a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }
}
