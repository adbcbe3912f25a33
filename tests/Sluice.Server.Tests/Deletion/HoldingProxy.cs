using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Sluice.Server.Tests.Deletion;

/// <summary>
/// Holds one call of a port until the test releases it: a stage is then in flight, at a known point, while the test
/// does something else (deletes the document).
/// </summary>
public sealed class Hold
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _taken;

    /// <summary>Completes when a held call has arrived.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _released.TrySetResult();

    /// <summary>Holds the first matching call only; later ones (a retry, a redelivery) pass.</summary>
    internal Task WaitIfFirstAsync()
    {
        if (Interlocked.Exchange(ref _taken, 1) == 1)
        {
            return Task.CompletedTask;
        }

        _entered.TrySetResult();
        return _released.Task;
    }
}

/// <summary>A proxy of a port that holds the calls a predicate picks (see <see cref="Hold"/>) and forwards everything.</summary>
public class HoldingProxy<T> : DispatchProxy
    where T : class
{
    private T _inner = null!;
    private Func<MethodInfo, object?[], bool> _matches = null!;
    private Hold _hold = null!;

    internal void Configure(T inner, Hold hold, Func<MethodInfo, object?[], bool> matches)
    {
        _inner = inner;
        _hold = hold;
        _matches = matches;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        args ??= [];
        if (!_matches(targetMethod, args))
        {
            return Forward(targetMethod, args);
        }

        var waiting = _hold.WaitIfFirstAsync();
        if (targetMethod.ReturnType == typeof(Task))
        {
            return ThenAsync(waiting, () => (Task)Forward(targetMethod, args)!);
        }

        var resultType = targetMethod.ReturnType.GetGenericArguments()[0];
        return typeof(HoldingProxy<T>).GetMethod(nameof(ThenResultAsync), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(resultType)
            .Invoke(null, [waiting, (Func<object?>)(() => Forward(targetMethod, args))]);
    }

    private object? Forward(MethodInfo method, object?[] args)
    {
        try
        {
            return method.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }

    private static async Task ThenAsync(Task waiting, Func<Task> call)
    {
        await waiting;
        await call();
    }

    private static async Task<TResult> ThenResultAsync<TResult>(Task waiting, Func<object?> call)
    {
        await waiting;
        return await (Task<TResult>)call()!;
    }
}

internal static class HoldingServices
{
    /// <summary>Replaces the registration of <typeparamref name="T"/> with a holding proxy over the registered implementation.</summary>
    public static void Hold<T>(this IServiceCollection services, Hold hold, Func<MethodInfo, object?[], bool> matches)
        where T : class
    {
        var descriptor = services.Last(d => d.ServiceType == typeof(T));
        Func<IServiceProvider, T> inner;
        if (descriptor.ImplementationType is { } implementation)
        {
            services.AddSingleton(implementation);
            inner = sp => (T)sp.GetRequiredService(implementation);
        }
        else
        {
            var factory = descriptor.ImplementationFactory ?? throw new InvalidOperationException($"{typeof(T).Name} is registered by instance.");
            inner = sp => (T)factory(sp);
        }

        services.Remove(descriptor);
        services.AddSingleton(sp =>
        {
            var proxy = DispatchProxy.Create<T, HoldingProxy<T>>();
            ((HoldingProxy<T>)(object)proxy).Configure(inner(sp), hold, matches);
            return proxy;
        });
    }
}
