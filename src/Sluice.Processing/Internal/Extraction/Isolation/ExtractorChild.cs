using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Sluice.Processing.Internal.Extraction.Isolation;

/// <summary>
/// One extractor child process, seen from the parent: one document at a time over its pipes, its standard
/// error kept (the last lines) to tell why it died. Not thread-safe: the pool hands it to one caller at a time.
/// </summary>
internal sealed class ExtractorChild : IDisposable
{
    private const int KeptErrorLines = 20;

    private readonly Process _process;
    private readonly Queue<string> _errorTail = new();
    private int _killed;
    private bool _stackOverflow;
    private bool _outOfMemory;

    private ExtractorChild(Process process)
    {
        _process = process;
    }

    public int Id { get; private set; }

    /// <summary>Documents this child has been given.</summary>
    public int Documents { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>Whether <see cref="Kill"/> was called: the child is ending, whatever it answered.</summary>
    public bool WasKilled => Volatile.Read(ref _killed) == 1;

    /// <summary>
    /// Starts a child and waits until it is ready, so that its start-up (slow on a busy machine) never counts
    /// against a document's time limit. Failures to start (no such program, no processes left, a child that
    /// ends or stays silent) are the machine's, not a document's: they propagate as exceptions other than
    /// <see cref="ExtractionException"/>.
    /// </summary>
    public static async Task<ExtractorChild> StartAsync(
        ProcessStartInfo template, long memoryLimitBytes, TimeSpan startTimeout, ILogger logger, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(template.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
            WorkingDirectory = template.WorkingDirectory,
        };
        foreach (var argument in template.ArgumentList)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in template.Environment)
        {
            info.Environment[key] = value;
        }

        // The runtime throws OutOfMemoryException once the managed heap reaches this, instead of growing until
        // the machine (or the kernel's OOM killer) stops something that matters more.
        info.Environment["DOTNET_GCHeapHardLimit"] = memoryLimitBytes.ToString("X", CultureInfo.InvariantCulture);
        info.Environment["DOTNET_gcServer"] = "0";

        var process = new Process { StartInfo = info };
        var child = new ExtractorChild(process);
        process.ErrorDataReceived += (_, e) => child.KeepErrorLine(e.Data);
        process.Start();
        child.Id = process.Id;
        process.BeginErrorReadLine();
        bool ready;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(startTimeout);
            using (timeout.Token.Register(child.Kill))
            {
                ready = await ChildProtocol.ReadReadyAsync(process.StandardOutput.BaseStream, CancellationToken.None);
            }
        }

        if (ready && !child.WasKilled)
        {
            return child;
        }

        var exit = await child.WaitForExitAsync(startTimeout);
        child.Dispose();
        cancellationToken.ThrowIfCancellationRequested();
        ExtractionLog.ChildDidNotStart(logger, info.FileName, exit.ExitCode, exit.ErrorTail);
        throw new ExtractorProcessException(string.Create(CultureInfo.InvariantCulture, $"the extractor process did not start (exit code {exit.ExitCode})"));
    }

    /// <summary>Sends one request and reads its answer; null when the child ended before it answered.</summary>
    public async Task<(ChildResponse Response, string? Text)?> ExchangeAsync(ChildRequest request, CancellationToken cancellationToken)
    {
        Documents++;
        try
        {
            await ChildProtocol.WriteRequestAsync(_process.StandardInput.BaseStream, request, cancellationToken);
            return await ChildProtocol.ReadResponseAsync(_process.StandardOutput.BaseStream, cancellationToken);
        }
        catch (IOException)
        {
            // A broken pipe: the child is gone.
            return null;
        }
    }

    /// <summary>Kills the child (it may be stuck in a parser); safe to call from a timer and more than once.</summary>
    public void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) == 1)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Waits for the child to end and its standard error to drain; kills it past <paramref name="grace"/>.</summary>
    public async Task<ChildExit> WaitForExitAsync(TimeSpan grace)
    {
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        lock (_errorTail)
        {
            return new ChildExit(_process.ExitCode, _stackOverflow, _outOfMemory, string.Join('\n', _errorTail));
        }
    }

    /// <summary>Asks the child to finish (its input closes) and kills it if it does not within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
        }

        await WaitForExitAsync(grace);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void KeepErrorLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_errorTail)
        {
            // The runtime reports these first, then thousands of frames: remember them as they pass.
            _stackOverflow |= line.StartsWith("Stack overflow", StringComparison.Ordinal);
            _outOfMemory |= line.Contains("OutOfMemoryException", StringComparison.Ordinal) || line.StartsWith("Out of memory", StringComparison.Ordinal);
            _errorTail.Enqueue(line.Length > 500 ? line[..500] : line);
            while (_errorTail.Count > KeptErrorLines)
            {
                _errorTail.Dequeue();
            }
        }
    }
}
