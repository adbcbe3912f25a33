using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>How <see cref="OnnxMiniLmEmbedder"/> runs the model.</summary>
public sealed class OnnxEmbedderOptions
{
    /// <summary>Configuration section these options bind from.</summary>
    public const string SectionName = "Embedding:Onnx";

    /// <summary>The model as the package ships it, in 32-bit floats.</summary>
    public const string Fp32Precision = "fp32";

    /// <summary>The weight matrices quantized to 8-bit integers at load (see <see cref="OnnxInt8Quantizer"/>).</summary>
    public const string Int8Precision = "int8";

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

    /// <summary>
    /// <c>fp32</c> (default): the model as shipped. <c>int8</c>: its weight matrix multiplies run in 8-bit integers,
    /// quantized from the fp32 model when the embedder loads; faster on CPUs with VNNI (<c>sluice bench roofline</c>
    /// measures it), with vectors close to but not equal to fp32's (cosine about 0.99; less for texts of one or two
    /// word pieces). The two give vectors of different <see cref="Core.Ports.EmbedderInfo.Version"/>s,
    /// which search never compares with each other; after a change the API process re-embeds what was indexed.
    /// </summary>
    [AllowedValues(Fp32Precision, Int8Precision, ErrorMessage = "Sluice:Embedding:Onnx:Precision must be one of: fp32, int8.")]
    public string Precision { get; set; } = Fp32Precision;
}
