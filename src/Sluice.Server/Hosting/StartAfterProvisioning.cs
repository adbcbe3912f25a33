namespace Sluice.Server.Hosting;

/// <summary>
/// Starts a hosted service that consumes the event log (a stage runner, a projection) once the topics exist,
/// without holding up the start of the host: the HTTP listener is up at once, and nothing consumes a topic that
/// is not there yet (on Kafka, a subscription to a missing topic fails, or has the broker create it with its
/// default settings). A failure of the wrapped service stops the host, as it would unwrapped.
/// </summary>
public sealed class StartAfterProvisioning(IHostedService inner, TopicProvisioner topics) : BackgroundService
{
    private readonly SemaphoreSlim _startStop = new(1, 1);
    private bool _started;
    private bool _stopping;

    /// <summary>The service started once the topics exist.</summary>
    public IHostedService Inner => inner;

    /// <summary>Whether <see cref="Inner"/> has been started.</summary>
    public bool IsStarted => Volatile.Read(ref _started);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await topics.Provisioned.WaitAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException || topics.Provisioned.IsFaulted)
        {
            // Stopping before the topics exist, or provisioning failed for good (the provisioner stops the host).
            return;
        }

        await _startStop.WaitAsync(stoppingToken);
        try
        {
            if (_stopping)
            {
                return;
            }

            await inner.StartAsync(stoppingToken);
            Volatile.Write(ref _started, true);
        }
        finally
        {
            _startStop.Release();
        }

        if (inner is BackgroundService { ExecuteTask: { } running })
        {
            await running;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _startStop.WaitAsync(cancellationToken);
        try
        {
            _stopping = true;
            if (_started)
            {
                await inner.StopAsync(cancellationToken);
            }
        }
        finally
        {
            _startStop.Release();
        }

        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _startStop.Dispose();
        (inner as IDisposable)?.Dispose();
        base.Dispose();
    }
}
