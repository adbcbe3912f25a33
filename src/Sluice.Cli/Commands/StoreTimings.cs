using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Sluice.Cli.Commands;

/// <summary>
/// Time spent in each store port, summed over every call from every stage (the API's too): a benchmark wraps the
/// registered ports with <see cref="Wrap{T}"/> and reads <see cref="Milliseconds"/> at the end. A call counts until the
/// task it returns completes.
/// </summary>
internal sealed class StoreTimings
{
    private readonly ConcurrentDictionary<string, long> _ticks = new(StringComparer.Ordinal);

    public double Milliseconds(string port) => _ticks.TryGetValue(port, out var ticks) ? Stopwatch.GetElapsedTime(0, ticks).TotalMilliseconds : 0;

    public T Wrap<T>(T inner, string port)
        where T : class
    {
        var proxy = DispatchProxy.Create<T, TimingProxy>();
        var timing = (TimingProxy)(object)proxy;
        timing.Inner = inner;
        timing.Record = elapsed => _ticks.AddOrUpdate(port, elapsed, (_, total) => total + elapsed);
        return proxy;
    }

    /// <summary>Forwards every call of the port and adds its duration (until its task completes) to the port's total.</summary>
    public class TimingProxy : DispatchProxy
    {
        internal object Inner { get; set; } = null!;

        internal Action<long> Record { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            var started = Stopwatch.GetTimestamp();
            object? result;
            try
            {
                result = targetMethod.Invoke(Inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                Record(Stopwatch.GetTimestamp() - started);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
                throw;
            }

            if (result is Task task)
            {
                task.ContinueWith(_ => Record(Stopwatch.GetTimestamp() - started), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            else
            {
                Record(Stopwatch.GetTimestamp() - started);
            }

            return result;
        }
    }
}
