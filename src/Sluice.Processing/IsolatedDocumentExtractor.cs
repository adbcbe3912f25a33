using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Processing.Internal.Extraction;
using Sluice.Processing.Internal.Extraction.Isolation;

namespace Sluice.Processing;

/// <summary>
/// Parses documents in child processes, the way Apache Tika's server forks its parser: a parser that runs out
/// of memory, overflows its stack or hangs ends a child, never this process. Each child has a managed heap
/// limit (<see cref="ExtractionOptions.ChildMemoryLimitMiB"/>) and is killed past
/// <see cref="ExtractionOptions.ChildTimeout"/>; either, or any other death, fails the document permanently with
/// a reason, and the next document gets a fresh child. Children are started when first needed, kept warm for
/// the next documents (at most <see cref="ExtractionOptions.ChildProcesses"/>, one document each at a time)
/// and replaced after <see cref="ExtractionOptions.ChildMaxDocuments"/> documents. The document travels to the
/// child as a private temporary file, the text comes back over its standard output.
/// </summary>
public sealed class IsolatedDocumentExtractor : IDocumentExtractor, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(5);

    /// <summary>Longest a child may take to start; a runtime normally needs a fraction of a second.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ExtractionOptions _options;
    private readonly ProcessStartInfo _launch;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentStack<ExtractorChild> _idle = new();
    private volatile bool _disposed;
    private int _started;

    /// <param name="options">The limits, for the children and the pool.</param>
    /// <param name="launch">How to start a child (see <see cref="DocumentExtractors.Create"/>).</param>
    /// <param name="logger">Where children's deaths are reported.</param>
    /// <param name="time">The clock of the per-document time limit.</param>
    internal IsolatedDocumentExtractor(ExtractionOptions options, ProcessStartInfo launch, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(launch);
        _options = options;
        _launch = launch;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _slots = new SemaphoreSlim(options.ChildProcesses, options.ChildProcesses);
    }

    /// <summary>Child processes started so far (replacements included).</summary>
    internal int StartedChildren => Volatile.Read(ref _started);

    /// <inheritdoc />
    public async Task<ExtractedText> ExtractAsync(Stream content, string format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(format);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();

        await using var document = await InputStreams.SpoolAsync(content, FileShare.Read, cancellationToken);
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await ExtractInChildAsync(document.Name, format, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        var stopping = new List<Task>();
        while (_idle.TryPop(out var child))
        {
            stopping.Add(StopAsync(child));
        }

        await Task.WhenAll(stopping);
    }

    /// <summary>Kills the idle children at once (they hold no work); busy ones end when their document does.</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryPop(out var child))
        {
            child.Dispose();
        }
    }

    private async Task<ExtractedText> ExtractInChildAsync(string path, string format, CancellationToken cancellationToken)
    {
        var child = TakeIdleChild() ?? await StartChildAsync(cancellationToken);
        var timedOut = false;
        (ChildResponse Response, string? Text)? answer;
        using (var deadline = new CancellationTokenSource(_options.ChildTimeout, _time))
        using (deadline.Token.Register(() =>
               {
                   timedOut = true;
                   child.Kill();
               }))
        using (cancellationToken.Register(child.Kill))
        {
            // A parser may never look at a token, so both limits act by killing the child: its pipe closes.
            answer = await child.ExchangeAsync(new ChildRequest(path, format, _options), CancellationToken.None);
        }

        if (answer is not { } received)
        {
            var exit = await child.WaitForExitAsync(ExitGrace);
            child.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            var failure = timedOut ? ExtractionErrors.ChildTimedOut(_options.ChildTimeout) : Classify(exit);
            ExtractionLog.ChildFailed(_logger, child.Id, format, failure.Reason, exit.ExitCode, exit.ErrorTail);
            throw failure;
        }

        if (child.WasKilled)
        {
            // The answer raced the time limit or a cancellation: the child is on its way out.
            child.Dispose();
        }
        else
        {
            Return(child);
        }

        var response = received.Response;
        if (response.Reason is not null)
        {
            throw new ExtractionException(response.Reason);
        }

        if (response.UnexpectedType is not null)
        {
            throw new ExtractorProcessException($"{response.UnexpectedType} in the extractor process: {response.UnexpectedMessage}");
        }

        return new ExtractedText(received.Text!, response.PageStarts is null ? null : ChildProtocol.Unflatten(response.PageStarts));
    }

    private ExtractionException Classify(ChildExit exit)
    {
        if (exit.StackOverflow)
        {
            return ExtractionErrors.ChildStackOverflow();
        }

        return exit.OutOfMemory || exit.ExitCode == ExtractorExitCodes.OutOfMemory
            ? ExtractionErrors.ChildOutOfMemory(_options.ChildMemoryLimitMiB)
            : ExtractionErrors.ChildCrashed(exit.ExitCode);
    }

    private ExtractorChild? TakeIdleChild()
    {
        while (_idle.TryPop(out var child))
        {
            if (!child.HasExited)
            {
                return child;
            }

            // It died while idle (killed from outside): no document's fault.
            child.Dispose();
        }

        return null;
    }

    private async Task<ExtractorChild> StartChildAsync(CancellationToken cancellationToken)
    {
        var child = await ExtractorChild.StartAsync(_launch, (long)_options.ChildMemoryLimitMiB * 1024 * 1024, StartTimeout, _logger, cancellationToken);
        Interlocked.Increment(ref _started);
        ExtractionLog.ChildStarted(_logger, child.Id);
        return child;
    }

    private void Return(ExtractorChild child)
    {
        if (_disposed || child.Documents >= _options.ChildMaxDocuments)
        {
            _ = StopAsync(child);
            return;
        }

        _idle.Push(child);
    }

    private static async Task StopAsync(ExtractorChild child)
    {
        await child.StopAsync(ExitGrace);
        child.Dispose();
    }
}
