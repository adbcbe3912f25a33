using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Ingestion;

/// <summary>The <c>Sluice:Redrive</c> section: how the <see cref="AcceptedRedrive"/> finds documents never published.</summary>
public sealed class RedriveOptions
{
    public const string Section = "Sluice:Redrive";

    /// <summary>Whether this API process runs the redrive (on by default; any number of processes may run it).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How long a document may stay <c>accepted</c>, with no stage reporting on it, before it is published again.
    /// An upload publishes within milliseconds of registering, so this only has to exceed the time the first stage
    /// may take to pick a document up under load: a document still queued when it passes is processed twice
    /// (harmless, but work).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan After { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the status store is checked for such documents.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Documents read and published at a time.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;
}
