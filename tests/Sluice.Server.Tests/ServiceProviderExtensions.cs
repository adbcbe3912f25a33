using Microsoft.Extensions.DependencyInjection;

namespace Sluice.Server.Tests;

internal static class ServiceProviderExtensions
{
    public static Task<int> GetRequiredServiceCount<T>(this IServiceProvider services, Func<T, Task<int>> count)
        where T : notnull
        => count(services.GetRequiredService<T>());

    public static Task<TResult> GetRequiredServiceValue<T, TResult>(this IServiceProvider services, Func<T, Task<TResult>> read)
        where T : notnull
        => read(services.GetRequiredService<T>());
}
