namespace Sluice.Server.Hosting;

/// <summary>Wrapping a service an adapter registered, without knowing how the adapter built it.</summary>
public static class ServiceDecoration
{
    /// <summary>
    /// Replaces the last registration of <typeparamref name="TService"/> by <paramref name="decorate"/> applied to
    /// what that registration built (an instance, a factory's result or a type's), with the same lifetime.
    /// </summary>
    public static IServiceCollection Decorate<TService>(this IServiceCollection services, Func<IServiceProvider, TService, TService> decorate)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(decorate);
        var index = -1;
        for (var i = services.Count - 1; i >= 0 && index < 0; i--)
        {
            if (services[i].ServiceType == typeof(TService) && !services[i].IsKeyedService)
            {
                index = i;
            }
        }

        if (index < 0)
        {
            throw new InvalidOperationException($"No {typeof(TService).Name} is registered to decorate.");
        }

        var inner = services[index];
        services[index] = ServiceDescriptor.Describe(typeof(TService), sp => decorate(sp, (TService)Build(sp, inner)), inner.Lifetime);
        return services;
    }

    private static object Build(IServiceProvider services, ServiceDescriptor descriptor)
        => descriptor.ImplementationInstance
           ?? descriptor.ImplementationFactory?.Invoke(services)
           ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);
}
