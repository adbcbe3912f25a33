using System.ComponentModel.DataAnnotations;
using Sluice.Core.Stages;

namespace Sluice.Server;

/// <summary>The <c>Sluice</c> configuration section.</summary>
public sealed class SluiceOptions : IValidatableObject
{
    public const string Section = "Sluice";

    /// <summary>Why a <see cref="Stores"/> value is refused.</summary>
    public const string StoresAllowed = "Sluice:Stores must be one of: embedded, postgres.";

    /// <summary>Why a <see cref="Blobs"/> value is refused.</summary>
    public const string BlobsAllowed = "Sluice:Blobs must be one of: files, s3.";

    /// <summary>
    /// The event log: <c>embedded</c> (a SQLite log under <see cref="DataDirectory"/>, the default) or <c>kafka</c>
    /// (Apache Kafka, configured under <c>Sluice:Kafka</c>).
    /// </summary>
    [AllowedValues("embedded", "kafka", ErrorMessage = "Sluice:Transport must be one of: embedded, kafka.")]
    public string Transport { get; set; } = "embedded";

    /// <summary>The <c>messaging.system</c> spans name for <see cref="Transport"/>: <c>kafka</c>, or Sluice's own log.</summary>
    internal string MessagingSystem => Transport == "kafka" ? "kafka" : Core.Runtime.EventRecords.EmbeddedLogSystem;

    /// <summary>
    /// The stores (status, chunks, summaries, dead letters, search index, LLM summary cache, attempt journal):
    /// <c>embedded</c> (SQLite files under <see cref="DataDirectory"/>, the default) or <c>postgres</c> (PostgreSQL with
    /// pgvector, configured under <c>Sluice:Postgres</c>, which needs <c>ConnectionString</c>).
    /// </summary>
    [AllowedValues("embedded", "postgres", ErrorMessage = StoresAllowed)]
    public string Stores { get; set; } = "embedded";

    /// <summary>
    /// The blob store (uploads and the stages' intermediate results): <c>files</c> (content-addressed files under
    /// <see cref="DataDirectory"/>, settings under <c>Sluice:Files</c>; the default) or <c>s3</c> (an S3-compatible
    /// store, configured under <c>Sluice:S3</c>).
    /// </summary>
    [AllowedValues("files", "s3", ErrorMessage = BlobsAllowed)]
    public string Blobs { get; set; } = "files";

    /// <summary>Whether start-up creates missing topics (and waits for the event log until it can).</summary>
    public bool AutoCreateTopics { get; set; } = true;

    /// <summary>Where the embedded event log, blobs, status and chunks live.</summary>
    [Required]
    public string DataDirectory { get; set; } = "sluice-data";

    /// <summary>
    /// Least free space on the file system of <see cref="DataDirectory"/> for the process to report ready
    /// (<c>/readyz</c>); 0 turns the check off. Default 1 GiB.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MinFreeDiskBytes { get; set; } = 1L << 30;

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

    /// <summary>
    /// The summarizer: <c>extractive</c> (the most central sentences, no LLM; the default) or <c>llm</c> (any
    /// OpenAI-compatible chat endpoint, configured under <c>Sluice:Llm</c>).
    /// </summary>
    [AllowedValues("extractive", "llm")]
    public string Summarizer { get; set; } = "extractive";

    /// <summary>
    /// Stages this process runs, comma-separated (e.g. <c>Sluice__Stages=embed</c>); empty runs none; by default every stage.
    /// <c>status-projection</c> folds status events into the status store the API reads; <c>webhooks</c> delivers webhooks
    /// (beside the pipeline: documents complete without it).
    /// </summary>
    public string Stages { get; set; } = string.Join(',', StageCatalog.Names);

    /// <summary>The names in <see cref="Stages"/>, trimmed, without duplicates.</summary>
    public IReadOnlyList<string> StageList =>
        [.. Stages.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Records the embed and summarize stages handle at once. Their embedder calls are merged into shared
    /// batches (at most <see cref="EmbedBatchTexts"/> texts) and run one batch at a time, so more documents
    /// in flight means fuller batches, not more contention. Small documents (one or two chunks each) fill the
    /// model's batches only with many of them in flight: at 8, SciFact abstracts ran in batches of 10 texts; at 32,
    /// of 31, and the pipeline took about 12 % less time (docs/BENCHMARKS.md).
    /// </summary>
    [Range(1, 256)]
    public int EmbedParallelism { get; set; } = 32;

    /// <summary>
    /// Whether stages running in the API's process hold off fetching new work (up to half a second at a time)
    /// while uploads are being acknowledged, so a burst is accepted first and processed right after. Stages in
    /// worker processes never wait.
    /// </summary>
    public bool YieldToUploads { get; set; } = true;

    /// <summary>
    /// After deletions, rewrite the embedded store files (<c>VACUUM</c>) so that no copy of a deleted document's text is
    /// left in their free space; off makes deletions cheaper on very large stores (see docs/ARCHITECTURE.md, Deletion).
    /// </summary>
    public bool VacuumAfterDeletes { get; set; } = true;

    /// <summary>Most texts merged into one call of the embedder.</summary>
    [Range(1, 4096)]
    public int EmbedBatchTexts { get; set; } = 64;

    /// <summary>
    /// Delays of each pipeline stage's retry topics, comma-separated (<c>10s,1m,10m</c>): a transient failure
    /// waits on <c>&lt;stage&gt;.retry.10s</c>, then <c>.retry.1m</c>, then <c>.retry.10m</c>; after that, or
    /// on a permanent failure, the event is parked on <c>&lt;stage&gt;.dlq</c>. Units: s, m, h, d.
    /// </summary>
    [RegularExpression(@"^\s*\d+(\.\d+)?\s*[smhd]\s*(,\s*\d+(\.\d+)?\s*[smhd]\s*)*$", ErrorMessage = "Sluice:RetryDelays must look like 10s,1m,10m")]
    public string RetryDelays { get; set; } = "10s,1m,10m";

    /// <summary>The parsed <see cref="RetryDelays"/>.</summary>
    public IReadOnlyList<TimeSpan> RetryDelayList =>
    [
        .. RetryDelays.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseDelay),
    ];

    private static TimeSpan ParseDelay(string value)
    {
        var amount = double.Parse(value.AsSpan(0, value.Length - 1).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return value[^1] switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            _ => throw new FormatException($"'{value}' is not a delay like 10s, 1m, 10m"),
        };
    }

    /// <summary>Most dead letters replayed per second (one bucket shared by single and bulk replays).</summary>
    [Range(1, 10_000)]
    public int ReplaysPerSecond { get; set; } = 20;

    /// <summary>Records each other stage handles at once.</summary>
    [Range(1, 1024)]
    public int StageParallelism { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// How many times a worker process may die while handling the same record; the next start dead-letters it
    /// ("the worker died while handling this document") instead of handling it again. Counted in <c>attempts.db</c>
    /// under <see cref="DataDirectory"/>, per machine.
    /// </summary>
    [Range(1, 100)]
    public int MaxWorkerDeaths { get; set; } = 2;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StageList.FirstOrDefault(name => StageCatalog.Find(name) is null) is { } unknown)
        {
            yield return new ValidationResult(
                $"Sluice:Stages names an unknown stage '{unknown}'; known stages: {string.Join(", ", StageCatalog.Names)}.", [nameof(Stages)]);
        }
    }
}
