using Sluice.Core.Ports;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>Fails the first call as an unavailable provider would, then embeds.</summary>
internal sealed class FailingOnceEmbedder : IEmbedder
{
    private readonly HashingEmbedder _inner = new();
    private int _calls;

    public EmbedderInfo Info => _inner.Info;

    public Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
        => Interlocked.Increment(ref _calls) == 1
            ? throw new ProviderException("provider unavailable (503)") { IsTransient = true }
            : _inner.EmbedAsync(texts, cancellationToken);
}
