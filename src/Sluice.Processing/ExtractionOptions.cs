using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing;

/// <summary>
/// Limits that keep extraction safe on hostile or broken documents, and how extraction is isolated from the
/// process that hosts it. The limits are independent of the upload size limit: a small upload can still
/// declare thousands of pages or expand to millions of elements.
/// </summary>
public sealed class ExtractionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Extraction";

    /// <summary>The full configuration path of this section, used to name a limit in a failure's reason.</summary>
    public const string ConfigurationPath = "Sluice:" + SectionName;

    /// <summary>Extraction runs in child processes (<see cref="Isolation"/>).</summary>
    public const string ProcessIsolation = "process";

    /// <summary>Extraction runs inside the hosting process (<see cref="Isolation"/>).</summary>
    public const string NoIsolation = "none";

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

    /// <summary>
    /// Most pages a PDF may have. PdfPig parses a page at a time, so the page count bounds the work; a page tree
    /// costs a few bytes per page in the file, so a small upload can declare a huge count.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPdfPages { get; set; } = 2_000;

    /// <summary>
    /// Most elements (start tags) an HTML document may have. Counted before parsing, because the parser builds
    /// a node object per element: tens of millions of tiny tags in an upload of the allowed size would cost
    /// gigabytes before the text limit could apply.
    /// </summary>
    [Range(1, 100_000_000)]
    public int MaxHtmlElements { get; set; } = 1_000_000;

    /// <summary>
    /// <c>process</c> (default): documents are parsed in child processes with a memory and a time limit, so a
    /// parser that runs out of memory, overflows its stack or hangs ends a child, never the server.
    /// <c>none</c>: parsed in this process (faster for trusted input and tests; a parser crash ends the process).
    /// </summary>
    [AllowedValues(ProcessIsolation, NoIsolation)]
    public string Isolation { get; set; } = ProcessIsolation;

    /// <summary>Child processes kept for extraction (each parses one document at a time); started when first needed.</summary>
    [Range(1, 64)]
    public int ChildProcesses { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Managed heap limit of each child process in MiB (the runtime's <c>GCHeapHardLimit</c>).</summary>
    [Range(64, 1_048_576)]
    public int ChildMemoryLimitMiB { get; set; } = 1024;

    /// <summary>Longest a child may spend on one document before it is killed and the document fails.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ChildTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Documents a child parses before it is replaced by a fresh one (bounds what a parser may leak).</summary>
    [Range(1, 1_000_000)]
    public int ChildMaxDocuments { get; set; } = 1000;

    /// <summary>
    /// The extractor program to start as a child: an executable, or a <c>.dll</c> run with the current runtime.
    /// Empty (the default): <c>sluice-extractor.dll</c> beside the application, which every application that
    /// references Sluice.Server (or Sluice.Extractor) has.
    /// </summary>
    public string? ChildPath { get; set; }
}
