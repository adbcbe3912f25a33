using Sluice.Core.Runtime;

namespace Sluice.Core.Tests.Runtime;

public sealed class ForegroundActivityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_nothing_in_progress_a_stage_does_not_wait()
    {
        var foreground = new ForegroundActivity();

        var wait = foreground.WaitForIdleAsync(TimeSpan.FromHours(1), Ct);

        Assert.True(wait.IsCompleted);
        await wait;
    }

    [Fact]
    public async Task A_stage_waits_until_the_last_upload_is_acknowledged()
    {
        var foreground = new ForegroundActivity();
        var first = foreground.Begin();
        var second = foreground.Begin();

        var wait = foreground.WaitForIdleAsync(TimeSpan.FromHours(1), Ct).AsTask();
        first.Dispose();
        first.Dispose(); // ending twice counts once
        await Task.Delay(50, Ct);
        Assert.False(wait.IsCompleted);
        Assert.Equal(1, foreground.Active);

        second.Dispose();
        await wait.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(0, foreground.Active);
    }

    [Fact]
    public async Task Under_sustained_uploads_a_stage_waits_no_longer_than_its_limit()
    {
        var foreground = new ForegroundActivity();
        using var busy = foreground.Begin();

        var started = DateTime.UtcNow;
        await foreground.WaitForIdleAsync(TimeSpan.FromMilliseconds(200), Ct);

        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(5));
        Assert.Equal(1, foreground.Active);
    }

    [Fact]
    public async Task A_new_upload_after_an_idle_moment_makes_stages_wait_again()
    {
        var foreground = new ForegroundActivity();
        foreground.Begin().Dispose();
        using var again = foreground.Begin();

        var wait = foreground.WaitForIdleAsync(TimeSpan.FromHours(1), Ct).AsTask();
        await Task.Delay(50, Ct);

        Assert.False(wait.IsCompleted);
        again.Dispose();
        await wait.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }
}
