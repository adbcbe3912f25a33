using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Hosting;

/// <summary>Creates Sluice's topics at start-up, before any stage starts consuming.</summary>
public sealed class TopicProvisioner(IEventLog log, IOptions<SluiceOptions> options) : IHostedService
{
    public bool IsReady { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await log.EnsureTopicsAsync([.. Topics.All.Select(t => new TopicSpec(t, options.Value.Partitions))], cancellationToken);
        IsReady = true;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
