using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>How <see cref="OnnxMiniLmEmbedder"/> runs the model.</summary>
public sealed class OnnxEmbedderOptions
{
    /// <summary>Configuration section these options bind from.</summary>
    public const string SectionName = "Embedding:Onnx";

    /// <summary>Threads ONNX Runtime uses inside one inference; the machine's processor count by default.</summary>
    [Range(1, 1024)]
    public int IntraOpThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Texts run through the model together. Texts of a call are sorted by length before they are batched, so
    /// padding costs little. On a CPU larger batches gain little throughput (8 to 64 measured within noise of each
    /// other on two cores) but cost working memory, roughly 4 MB per text at the full 256-token window.
    /// </summary>
    [Range(1, 1024)]
    public int BatchSize { get; set; } = 8;

    /// <summary>
    /// Linux nice value of the inference threads (0 to 19; 0 keeps normal priority). Embedding is throughput work
    /// that shares the cores with the API; at 10 the scheduler serves the API first, so a busy model does not
    /// delay upload acknowledgements, while the model still takes every idle cycle.
    /// </summary>
    [Range(0, 19)]
    public int Nice { get; set; } = 10;
}
