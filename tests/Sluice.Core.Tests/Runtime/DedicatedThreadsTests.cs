using System.Collections.Concurrent;
using Sluice.Core.Runtime;

namespace Sluice.Core.Tests.Runtime;

public sealed class DedicatedThreadsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Work_RunsOnTheNamedThreads_NotOnTheThreadPool()
    {
        using var threads = new DedicatedThreads("test-own", count: 2);

        var seen = await Task.WhenAll(Enumerable.Range(0, 8).Select(
            _ => threads.RunAsync(() => (Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread), Ct)));

        Assert.All(seen, s => Assert.Equal(("test-own", false), s));
    }

    [Fact]
    public async Task OneThread_RunsWorkInTheOrderItWasQueued()
    {
        using var threads = new DedicatedThreads("test-order");
        var order = new ConcurrentQueue<int>();

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => threads.RunAsync(() => order.Enqueue(i), Ct)));

        Assert.Equal(Enumerable.Range(0, 200), order);
    }

    [Fact]
    public async Task AFailure_ReachesItsCallerAlone_AndTheThreadGoesOn()
    {
        using var threads = new DedicatedThreads("test-fail");

        var failing = threads.RunAsync<int>(() => throw new InvalidOperationException("broken"), Ct);
        var next = threads.RunAsync(() => 42, Ct);

        Assert.Equal("broken", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        Assert.Equal(42, await next);
    }

    [Fact]
    public async Task WorkCancelledWhileQueued_NeverRuns()
    {
        using var threads = new DedicatedThreads("test-cancel");
        using var gate = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();
        var ran = false;

        var blocker = threads.RunAsync(() => gate.Wait(Ct), Ct);
        var queued = threads.RunAsync(() => ran = true, cancel.Token);
        await cancel.CancelAsync();
        gate.Set();

        await blocker;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.True(queued.IsCanceled);
        Assert.False(ran);
    }

    [Fact]
    public async Task Dispose_FinishesQueuedWork_ThenRefusesMore()
    {
        var threads = new DedicatedThreads("test-dispose", completeOnOwnThread: true);
        var slow = threads.RunAsync(() =>
        {
            Thread.Sleep(100);
            return "done";
        }, Ct);

        threads.Dispose();
        threads.Dispose();

        Assert.Equal("done", await slow);
        Assert.Throws<ObjectDisposedException>(() => { _ = threads.RunAsync(() => 1, Ct); });
    }

    [Fact]
    public async Task OnStart_RunsOnEachThreadBeforeItsWork()
    {
        var started = new ConcurrentBag<int>();
        using var threads = new DedicatedThreads("test-start", count: 3, onStart: () => started.Add(Environment.CurrentManagedThreadId));

        var ran = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => threads.RunAsync(() => Environment.CurrentManagedThreadId, Ct)));

        Assert.Equal(3, started.Distinct().Count());
        Assert.All(ran, id => Assert.Contains(id, started));
    }

    [Fact]
    public async Task Dispose_FromOneOfTheThreads_DoesNotWaitForItself()
    {
        var threads = new DedicatedThreads("test-self");

        await threads.RunAsync(threads.Dispose, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Throws<ObjectDisposedException>(() => { _ = threads.RunAsync(() => 1, Ct); });
    }
}
