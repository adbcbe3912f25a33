using System.Diagnostics;
using System.Threading.Channels;
using Sluice.Core.Ports;

namespace Sluice.Processing;

/// <summary>
/// Dynamic batching in front of an embedder: concurrent calls (one per document in flight, from the embed
/// and summarize stages) are queued and merged into shared batches, and one batch runs at a time. Small
/// documents then fill the model's batches instead of running it with one or two texts each, and stages
/// never oversubscribe the cores by running the model side by side.
/// </summary>
public sealed class CoalescingEmbedder : IEmbedder, IAsyncDisposable
{
    private readonly IEmbedder _inner;
    private readonly int _maxTexts;
    private readonly Channel<Request> _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    /// <param name="inner">The embedder that does the work.</param>
    /// <param name="maxTexts">Most texts merged into one call of <paramref name="inner"/>.</param>
    public CoalescingEmbedder(IEmbedder inner, int maxTexts)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTexts, 1);
        _inner = inner;
        _maxTexts = maxTexts;
        _loop = Task.Run(RunAsync);
    }

    public EmbedderInfo Info => _inner.Info;

    public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<float[]>>([]);
        }

        var request = new Request(texts, Activity.Current?.Context ?? default, cancellationToken);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(request), this);

        return request.Completion.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Request>();
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            var count = 0;
            while (count < _maxTexts && reader.TryRead(out var request))
            {
                if (request.CancellationToken.IsCancellationRequested)
                {
                    request.Completion.TrySetCanceled(request.CancellationToken);
                    continue;
                }

                batch.Add(request);
                count += request.Texts.Count;
            }

            if (batch.Count > 0)
            {
                await RunBatchAsync(batch);
            }
        }
    }

    private async Task RunBatchAsync(List<Request> batch)
    {
        // The loop runs in no caller's trace: the merged call gets a span of its own, child of the first caller's span
        // and linked to the others', so that each document's trace reaches the model call that served it.
        using var span = ProviderTracing.ActivitySource.HasListeners() ? StartBatchSpan(batch) : null;
        try
        {
            var vectors = await _inner.EmbedAsync([.. batch.SelectMany(r => r.Texts)]);
            var offset = 0;
            foreach (var request in batch)
            {
                request.Completion.TrySetResult([.. vectors.Skip(offset).Take(request.Texts.Count)]);
                offset += request.Texts.Count;
            }
        }
        catch (Exception ex)
        {
            foreach (var request in batch)
            {
                request.Completion.TrySetException(ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private static Activity? StartBatchSpan(List<Request> batch)
    {
        var parent = default(ActivityContext);
        List<ActivityLink>? links = null;
        var texts = 0;
        foreach (var request in batch)
        {
            texts += request.Texts.Count;
            if (request.Caller == default)
            {
                continue;
            }

            if (parent == default)
            {
                parent = request.Caller;
            }
            else
            {
                (links ??= []).Add(new ActivityLink(request.Caller));
            }
        }

        var span = ProviderTracing.ActivitySource.StartActivity("sluice.embedder.batch", ActivityKind.Internal, parent, links: links);
        span?.SetTag("sluice.batch.size", texts);
        span?.SetTag("sluice.batch.requests", batch.Count);
        return span;
    }

    private sealed record Request(IReadOnlyList<string> Texts, ActivityContext Caller, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<IReadOnlyList<float[]>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
