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

    public static SluiceProcess Start(params string[] args) => Start(environment: null, args);

    /// <summary>Starts <c>sluice</c> with extra environment variables (e.g. <c>Sluice__Kafka__SessionTimeout</c>).</summary>
    public static SluiceProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
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
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

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
    public static Task<SluiceProcess> RunAsync(TimeSpan timeout, params string[] args) => RunAsync(timeout, environment: null, args);

    /// <summary>Runs a command with extra environment variables to completion and returns its exit code.</summary>
    public static async Task<SluiceProcess> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var process = Start(environment, args);
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
    public static Task<SluiceProcess> ServeAsync(string dataDirectory, Uri url)
        => StartReadyAsync(url, null, "serve", "--data-dir", dataDirectory, "--urls", url.ToString().TrimEnd('/'));

    /// <summary>Starts a <c>sluice</c> command that serves HTTP on <paramref name="url"/> and waits until it answers <c>/readyz</c>.</summary>
    public static async Task<SluiceProcess> StartReadyAsync(Uri url, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var process = Start(environment, args);
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"sluice {args[0]} exited with {process.ExitCode}: {process.StandardError}");
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
        throw new TimeoutException($"sluice {args[0]} did not become ready within 90 s: {process.StandardError}");
    }

    /// <summary>Waits until a line of standard output matches, and returns it.</summary>
    public async Task<string> WaitForOutputAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var line = StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            if (HasExited)
            {
                throw new InvalidOperationException($"sluice exited with {ExitCode} before printing the expected line: {StandardError}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"the expected line did not appear within {timeout}; output so far:\n{StandardOutput}\n{StandardError}");
    }

    /// <summary>How many lines of standard output match.</summary>
    public int CountOutput(Func<string, bool> match) => StandardOutput.Split('\n').Count(match);

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
