using System.Collections.ObjectModel;
using System.Diagnostics;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>
/// Spans as the in-memory exporter collects them, from whichever thread ends each one: every add takes the
/// collection's own lock, so a test that reads it under <c>lock (spans)</c> never enumerates while a span is added.
/// </summary>
internal sealed class LockedSpans : Collection<Activity>
{
    protected override void InsertItem(int index, Activity item)
    {
        lock (this)
        {
            base.InsertItem(index, item);
        }
    }
}
