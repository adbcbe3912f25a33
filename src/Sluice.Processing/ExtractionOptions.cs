using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>Limits that keep extraction safe on hostile or broken documents.</summary>
public sealed class ExtractionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Extraction";

    /// <summary>
    /// Most bytes a DOCX may inflate to (all zip entries together). Guards against zip bombs;
    /// checked against the declared sizes before opening and enforced while inflating.
    /// </summary>
    [Range(1024L, long.MaxValue)]
    public long MaxInflatedBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Largest declared uncompressed/compressed ratio of a DOCX entry over 1 MiB.</summary>
    [Range(10, 100_000)]
    public int MaxCompressionRatio { get; set; } = 500;

    /// <summary>Most characters the extracted text may have.</summary>
    [Range(1, 500_000_000)]
    public int MaxCharacters { get; set; } = 20_000_000;

    /// <summary>Largest text, HTML or Markdown upload that is read into memory for extraction.</summary>
    [Range(1024L, 2_000_000_000L)]
    public long MaxTextInputBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>Deepest element nesting accepted in HTML (the parser slows down quadratically with depth).</summary>
    [Range(16, 100_000)]
    public int MaxHtmlDepth { get; set; } = 1024;
}
