using Sluice.Core.Ports;
using Sluice.Server.Hosting;

namespace Sluice.Server.Dev;

/// <summary>Fault injection for chaos runs and tests: off unless its setting names a switch file.</summary>
public static class FaultInjection
{
    /// <summary>
    /// With <see cref="FaultyStatusStore.Setting"/> set, wraps whichever <see cref="IStatusStore"/> the stores adapter
    /// registered in a <see cref="FaultyStatusStore"/>. Call it after the stores are registered.
    /// </summary>
    public static IServiceCollection AddSluiceFaultInjection(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var switchFile = configuration[FaultyStatusStore.Setting];
        return string.IsNullOrEmpty(switchFile)
            ? services
            : services.Decorate<IStatusStore>((_, store) => new FaultyStatusStore(store, switchFile));
    }
}
