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

    /// <summary>
    /// The embedder: <c>onnx</c> (local all-MiniLM-L6-v2, the default) or <c>openai</c> (any OpenAI-compatible
    /// <c>/v1/embeddings</c> endpoint, configured under <c>Sluice:Embedding:OpenAi</c>).
    /// </summary>
    [AllowedValues("onnx", "openai")]
    public string Embedder { get; set; } = "onnx";

    /// <summary>Whether this process serves the HTTP API.</summary>
    public bool RunApi { get; set; } = true;

    /// <summary>Stages this process runs; empty runs none.</summary>
    public IList<string> Stages { get; set; } = ["extract", "chunk", "embed", "index", "summarize", "status-projection"];

    /// <summary>
    /// Records the embed and summarize stages handle at once. Their embedder calls are merged into shared
    /// batches (at most <see cref="EmbedBatchTexts"/> texts) and run one batch at a time, so more documents
    /// in flight means fuller batches, not more contention.
    /// </summary>
    [Range(1, 256)]
    public int EmbedParallelism { get; set; } = 8;

    /// <summary>Most texts merged into one call of the embedder.</summary>
    [Range(1, 4096)]
    public int EmbedBatchTexts { get; set; } = 64;

    /// <summary>Records each other stage handles at once.</summary>
    [Range(1, 1024)]
    public int StageParallelism { get; set; } = Math.Max(2, Environment.ProcessorCount);
}
