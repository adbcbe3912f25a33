using Sluice.Core.Health;

namespace Sluice.Core.Runtime.Internal;

/// <summary>
/// The records a projection is stuck on, for readiness: the process is reported not ready while at least one of its
/// records fails to apply, and ready again once none does (lanes stall and recover independently).
/// </summary>
internal sealed class ProjectionStalls(string component, ReadinessSignals? readiness, TimeProvider time)
{
    private readonly Lock _lock = new();
    private int _stalled;

    /// <summary>Follows one record; dispose it once the record is applied or skipped.</summary>
    public Stall Track() => new(this);

    private void Failed(bool first, string reason)
    {
        lock (_lock)
        {
            if (first)
            {
                _stalled++;
            }

            readiness?.Report(component, reason, time.GetUtcNow());
        }
    }

    private void Recovered()
    {
        lock (_lock)
        {
            if (--_stalled == 0)
            {
                readiness?.Clear(component);
            }
        }
    }

    internal sealed class Stall(ProjectionStalls owner) : IDisposable
    {
        /// <summary>Whether the record failed at least once.</summary>
        public bool Stalled { get; private set; }

        /// <summary>The record failed to apply (again); <paramref name="reason"/> is shown by readiness, so it carries no exception text.</summary>
        public void Failed(string reason)
        {
            owner.Failed(!Stalled, reason);
            Stalled = true;
        }

        public void Dispose()
        {
            if (Stalled)
            {
                Stalled = false;
                owner.Recovered();
            }
        }
    }
}
