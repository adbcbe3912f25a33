using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Maintenance;

/// <summary>
/// The <c>Sluice:Embedding:Reembed</c> section: bringing indexed vectors to the configured embedder after a change of
/// model or precision (see <see cref="Core.Search.Reembedding"/>).
/// </summary>
public sealed class ReembedOptions
{
    public const string Section = "Sluice:Embedding:Reembed";

    /// <summary>
    /// Whether the API process re-embeds documents whose vectors another embedder made. Off, such documents stay
    /// findable by keyword only (vector search never compares across embedders) until they are uploaded again.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long after start-up the first look waits (the model is loaded for it; first uploads come first).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan StartDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the index is looked at again, for vectors written by a process configured otherwise.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);
}
