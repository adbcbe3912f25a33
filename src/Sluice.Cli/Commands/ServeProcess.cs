using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Cli.Commands;

/// <summary>
/// A <c>sluice serve</c> started as a child process on a loopback port of its own, for benchmarks that measure a
/// server from outside: from a cold start, with nothing of the bench's own process shared with it.
/// </summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _logging;

    private ServeProcess(Process process, Uri url, Task logging)
    {
        _process = process;
        Url = url;
        _logging = logging;
        Started = Stopwatch.StartNew();
    }

    /// <summary>Where the server listens (with a trailing slash).</summary>
    public Uri Url { get; }

    /// <summary>Runs from the moment the process was started.</summary>
    public Stopwatch Started { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>CPU time the server's own process has used so far (not its extractor children's).</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// Starts <paramref name="program"/> (an executable such as a published <c>sluice</c>, or a <c>.dll</c> run with
    /// this process's <c>dotnet</c>) as <c>serve</c> on a free loopback port with <paramref name="dataDirectory"/>; its
    /// output goes to <paramref name="logPath"/>.
    /// </summary>
    public static ServeProcess Start(string program, string dataDirectory, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}/");
        ProcessStartInfo info;
        if (program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            info = new ProcessStartInfo(DotnetHost());
            info.ArgumentList.Add(program);
        }
        else
        {
            info = new ProcessStartInfo(program);
        }

        foreach (var argument in new[] { "serve", "--data-dir", dataDirectory, "--urls", url.ToString().TrimEnd('/') })
        {
            info.ArgumentList.Add(argument);
        }

        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.Environment.Remove("SLUICE_API_KEY");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var log = new FileStream(logPath, FileMode.Create, FileAccess.Write, FileShare.Read);
        var logging = CopyOutputAsync(process, log);
        return new ServeProcess(process, url, logging);
    }

    /// <summary>
    /// Waits until <paramref name="path"/> answers 200, asking every 10 ms; returns the time since the start. Throws when
    /// the process exits first or <paramref name="timeout"/> passes.
    /// </summary>
    public async Task<TimeSpan> WaitForAsync(HttpClient http, string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the server exited with code {_process.ExitCode} before {path} answered");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(Url, path), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return Started.Elapsed;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Too slow to answer yet.
            }

            if (Started.Elapsed > timeout)
            {
                throw new TimeoutException($"{path} did not answer 200 within {timeout.TotalSeconds:0} s of the start");
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    /// <summary>SIGKILL, with the extractor children: a benchmark's server has nothing to flush.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        await _logging;
        _process.Dispose();
    }

    private static async Task CopyOutputAsync(Process process, FileStream log)
    {
        await using (log)
        {
            // One writer for both streams: each copies whole buffers under the lock.
            using var gate = new SemaphoreSlim(1, 1);
            await Task.WhenAll(Copy(process.StandardOutput.BaseStream), Copy(process.StandardError.BaseStream));

            async Task Copy(Stream from)
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await from.ReadAsync(buffer)) > 0)
                {
                    await gate.WaitAsync();
                    try
                    {
                        await log.WriteAsync(buffer.AsMemory(0, read));
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
            }
        }
    }

    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
