using System.ComponentModel.DataAnnotations;

namespace Sluice.Server;

/// <summary>The <c>Sluice</c> configuration section.</summary>
public sealed class SluiceOptions
{
    public const string Section = "Sluice";

    /// <summary>Where the embedded event log, blobs, status and chunks live.</summary>
    [Required]
    public string DataDirectory { get; set; } = "sluice-data";

    /// <summary>Largest accepted upload; larger ones get 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>Partitions of each topic: the most members a stage's consumer group can use.</summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 6;

    /// <summary>Whether this process serves the HTTP API.</summary>
    public bool RunApi { get; set; } = true;

    /// <summary>Stages this process runs; empty runs none.</summary>
    public IList<string> Stages { get; set; } = ["extract", "chunk", "embed", "index", "summarize", "status-projection"];

    /// <summary>
    /// Records the embed and summarize stages handle at once. The local embedder already spreads one batch
    /// over every core, so running more at once only adds contention.
    /// </summary>
    [Range(1, 64)]
    public int EmbedParallelism { get; set; } = 1;

    /// <summary>Records each other stage handles at once.</summary>
    [Range(1, 1024)]
    public int StageParallelism { get; set; } = Math.Max(2, Environment.ProcessorCount);
}
