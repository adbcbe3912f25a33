using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using Sluice.Core.Ports;
using Sluice.Processing.Internal.Embeddings;

namespace Sluice.Processing;

/// <summary>
/// Protects one AI provider from this process, and this process from it: a circuit breaker, a concurrency limit,
/// a token-bucket rate limit and a per-call timeout (Polly), shared by every caller of that provider.
/// </summary>
/// <remarks>
/// It never retries: the stage runtime owns retries. Whatever goes wrong leaves as a <see cref="ProviderException"/>:
/// transient for timeouts, connection errors, 408, 429 (with the provider's <c>Retry-After</c>) and 5xx; permanent
/// for other 4xx and unusable responses; and, while the circuit is open, transient with
/// <see cref="ProviderException.IsCircuitOpen"/> and the remaining break as <see cref="ProviderException.RetryAfter"/>,
/// without calling the provider. Only transient failures count towards opening the circuit: a request the
/// provider rejects is that request's fault, not the provider's. The caller's own cancellation passes through.
/// </remarks>
public sealed class ProviderGuard : IDisposable
{
    private readonly string _provider;
    private readonly ProviderGuardOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly ConcurrencyLimiter _concurrency;
    private readonly TokenBucketRateLimiter? _rate;
    private readonly CircuitBreakerStateProvider _circuit = new();
    private readonly ProviderMetrics _metrics;
    private readonly string _name;

    /// <summary>Creates the guard; one per provider, shared by all its callers.</summary>
    /// <param name="provider">Names the provider in messages, e.g. "The LLM endpoint".</param>
    /// <param name="options">Limits and circuit-breaker settings.</param>
    /// <param name="time">The clock of the circuit breaker; the system clock when null.</param>
    /// <param name="name">
    /// The provider's <c>sluice.provider</c> tag in metrics (<c>embedder</c>, <c>llm</c>, <c>search-embedder</c>); when
    /// null, the guard is not shown in metrics.
    /// </param>
    /// <param name="metrics">Where the circuit's state and the waits are shown; <see cref="ProviderMetrics.Shared"/> when null.</param>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public ProviderGuard(string provider, ProviderGuardOptions options, TimeProvider? time = null, string? name = null, ProviderMetrics? metrics = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _provider = provider;
        _options = options;
        _name = name ?? provider;
        _metrics = metrics ?? ProviderMetrics.Shared;

        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.MaxConcurrency,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _rate = options.RequestsPerSecond > 0 ? TokenBucket(options.RequestsPerSecond, options.QueueLimit) : null;

        // Outermost first: an open circuit refuses before anyone waits for a slot; a slot is taken before a token,
        // so tokens are spent just before calls are sent; the timeout covers the call alone, not the waiting.
        var builder = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System };
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
            StateProvider = _circuit,
            ShouldHandle = new PredicateBuilder()
                .Handle<ProviderException>(e => e.IsTransient && !e.IsCircuitOpen)
                .Handle<TimeoutRejectedException>(),
        });
        builder.AddRateLimiter(_concurrency);
        if (_rate is not null)
        {
            builder.AddRateLimiter(_rate);
        }

        builder.AddTimeout(options.Timeout);
        _pipeline = builder.Build();
        if (name is not null)
        {
            _metrics.Track(this, name);
        }
    }

    /// <summary>Whether calls are refused right now without being sent (the circuit is open, or isolated).</summary>
    public bool IsCircuitOpen => _circuit.CircuitState is CircuitState.Open or CircuitState.Isolated;

    /// <summary>Calls in flight right now (for tests and diagnostics).</summary>
    public int InFlight => _options.MaxConcurrency - (int)(_concurrency.GetStatistics()?.CurrentAvailablePermits ?? _options.MaxConcurrency);

    /// <summary>
    /// Runs <paramref name="call"/> under the guard. The call gets a token that fires at the timeout; what it
    /// throws (HTTP client errors, <see cref="ProviderException"/>s) is classified as described on the type.
    /// </summary>
    /// <exception cref="ProviderException">The call failed, timed out, or was not made (circuit open, queue full).</exception>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (_metrics.CountsWaits && MustWait())
        {
            _metrics.RateLimitedWait(_name);
        }

        try
        {
            return await _pipeline.ExecuteAsync(
                static async (state, token) =>
                {
                    try
                    {
                        return await state.call(token);
                    }
                    catch (Exception exception) when (exception is not ProviderException
                        && ProviderFailures.From(exception, state.self._provider, token) is { } failure)
                    {
                        throw failure;
                    }
                },
                (call, self: this),
                cancellationToken);
        }
        catch (BrokenCircuitException open)
        {
            throw new ProviderException($"{_provider} failed repeatedly; calls are paused (circuit open).", open)
            {
                IsTransient = true,
                IsCircuitOpen = true,
                RetryAfter = open.RetryAfter is { } left && left > TimeSpan.Zero ? left : _options.BreakDuration,
            };
        }
        catch (TimeoutRejectedException timeout)
        {
            throw new ProviderException($"{_provider} did not answer within {timeout.Timeout.TotalSeconds:0.###} s.", timeout);
        }
        catch (RateLimiterRejectedException full)
        {
            throw new ProviderException($"{_provider} has too many calls waiting in this process.", full)
            {
                RetryAfter = full.RetryAfter ?? TimeSpan.FromSeconds(1),
            };
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _metrics.Untrack(this);
        _concurrency.Dispose();
        _rate?.Dispose();
    }

    /// <summary>Whether a call made now would queue: no concurrency slot free, or no rate-limit token left.</summary>
    private bool MustWait()
        => _concurrency.GetStatistics() is { CurrentAvailablePermits: <= 0 }
           || (_rate is not null && _rate.GetStatistics() is { CurrentAvailablePermits: <= 0 });

    /// <summary>
    /// A bucket holding one second's worth of tokens, refilled in small steps (at most every 50 ms, so high rates
    /// do not mean a timer tick per token).
    /// </summary>
    private static TokenBucketRateLimiter TokenBucket(double perSecond, int queueLimit)
    {
        var tokensPerPeriod = Math.Max(1, (int)Math.Round(perSecond * 0.05));
        var period = TimeSpan.FromSeconds(tokensPerPeriod / perSecond);
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, (int)Math.Ceiling(perSecond)),
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = queueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }
}
