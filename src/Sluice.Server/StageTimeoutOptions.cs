using System.ComponentModel.DataAnnotations;
using Sluice.Core.Stages;

namespace Sluice.Server;

/// <summary>
/// <c>Sluice:StageTimeouts</c>: the longest one attempt of each stage may take on one document, e.g.
/// <c>Sluice:StageTimeouts:extract=00:05:00</c>. Past it the stage is cancelled and the document is dead-lettered with
/// the limit as the reason, so one hostile document cannot hold a worker forever. The defaults are generous: they
/// stop a runaway, not a slow but honest document.
/// </summary>
public sealed class StageTimeoutOptions
{
    public const string Section = "Sluice:StageTimeouts";

    /// <summary>Parsing an upload (a large PDF takes a while; a hostile one takes forever).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Extract { get; set; } = TimeSpan.FromMinutes(5);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Chunk { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>One chunk batch through the model, queued behind other documents' batches on a busy machine.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Embed { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Index { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Large: an LLM summary of a long text is many requests, each already bounded by the provider's own timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Summarize { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Applying one status event; past it the projection retries (it never gives up on an event).</summary>
    [ConfigurationKeyName(StageNames.StatusProjection)]
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StatusProjection { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// One webhook delivery: a backstop only, since each request is bounded by <c>Sluice:Webhooks:Timeout</c> (10 s);
    /// at this limit the delivery is dead-lettered.
    /// </summary>
    [ConfigurationKeyName(StageNames.Webhooks)]
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Webhooks { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The keys of the section: the stage names.</summary>
    public static IReadOnlyList<string> Stages => StageCatalog.Names;

    /// <summary>Whether every key under <see cref="Section"/> names a stage (the binder ignores a typo silently).</summary>
    public static bool NamesOnlyStages(IConfiguration configuration)
        => configuration.GetSection(Section).GetChildren().All(k => Stages.Contains(k.Key, StringComparer.OrdinalIgnoreCase));

    public TimeSpan For(string stage) => stage switch
    {
        StageNames.Extract => Extract,
        StageNames.Chunk => Chunk,
        StageNames.Embed => Embed,
        StageNames.Index => Index,
        StageNames.Summarize => Summarize,
        StageNames.StatusProjection => StatusProjection,
        StageNames.Webhooks => Webhooks,
        _ => Timeout.InfiniteTimeSpan,
    };
}
