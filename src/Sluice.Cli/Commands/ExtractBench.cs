using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sluice.Cli.Client;
using Sluice.Processing;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench extract</c>: documents per second through the extractor in this process and in
/// <c>sluice-extractor</c> child processes, on the same generated small documents (a third each text, HTML and
/// two-page PDF), as many at once as the extract stage runs by default. The isolated run is measured twice:
/// cold (its children start, and compile the parsers, during the run) and warm (the pool already has them), as
/// is the in-process run (cold: this process compiles the parsers during it).
/// </summary>
internal static class ExtractBench
{
    public static Command Create()
    {
        var documents = new Option<int>("--documents") { Description = "Documents per run", DefaultValueFactory = _ => 200 };
        var parallel = new Option<int>("--parallel") { Description = "Documents extracted at once", DefaultValueFactory = _ => Math.Max(2, Environment.ProcessorCount) };
        var command = new Command("extract", "Extraction throughput in process against in child processes") { documents, parallel };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(documents), result.GetValue(parallel), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(int count, int parallel, CancellationToken cancellationToken)
    {
        if (count < 1 || parallel < 1)
        {
            throw new CliException("--documents and --parallel must be at least 1", 2);
        }

        var documents = Enumerable.Range(0, count).Select(Document).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} documents ({documents.Sum(d => d.Bytes.Length) / 1024} KiB: text, HTML, 2-page PDF), {parallel} at once"));

        IDocumentExtractor inProcess = new DocumentExtractor(new ExtractionOptions());
        await MeasureAsync(inProcess, documents, parallel, "in process (none), cold", cancellationToken);
        var baseline = await MeasureAsync(inProcess, documents, parallel, "in process (none), warm", cancellationToken);

        var options = new ExtractionOptions { ChildProcesses = parallel };
        await using var isolated = DocumentExtractors.Create(options) as IsolatedDocumentExtractor
                                   ?? throw new CliException("sluice-extractor was not found beside sluice", 1);
        var cold = await MeasureAsync(isolated, documents, parallel, "child processes (process), cold", cancellationToken);
        var warm = await MeasureAsync(isolated, documents, parallel, "child processes (process), warm", cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cost per document, warm: {(warm - baseline) * 1000 / count:F2} ms (wall time, {parallel} at once); a cold pool adds {(cold - warm) / parallel:F2} s per child"));
        return 0;
    }

    /// <returns>The run's wall time in seconds.</returns>
    private static async Task<double> MeasureAsync(
        IDocumentExtractor extractor, List<(string Format, byte[] Bytes)> documents, int parallel, string? label, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var characters = 0L;
        await Parallel.ForEachAsync(documents, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken }, async (document, token) =>
        {
            using var content = new MemoryStream(document.Bytes, writable: false);
            var text = await extractor.ExtractAsync(content, document.Format, token);
            Interlocked.Add(ref characters, text.Text.Length);
        });
        var seconds = clock.Elapsed.TotalSeconds;
        if (label is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label}: {seconds:F2} s = {documents.Count / seconds:F1} documents/s ({characters} characters)"));
        }

        return seconds;
    }

    private static (string Format, byte[] Bytes) Document(int i)
    {
        var words = string.Join(' ', Enumerable.Range(0, 300).Select(w => $"word{(w * 7 + i) % 97}"));
        return (i % 3) switch
        {
            0 => (DocumentFormats.Text, Encoding.UTF8.GetBytes($"Document {i}\n\n{words}")),
            1 => (DocumentFormats.Html, Encoding.UTF8.GetBytes($"<html><head><title>Document {i}</title></head><body><h1>Document {i}</h1><p>{words}</p><ul><li>one</li><li>two</li></ul></body></html>")),
            _ => (DocumentFormats.Pdf, Pdf(i, words)),
        };
    }

    private static byte[] Pdf(int i, string words)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var p = 0; p < 2; p++)
        {
            var page = builder.AddPage(PageSize.A4);
            var y = 780.0;
            page.AddText($"Document {i} page {p + 1}", 14, new PdfPoint(56, y), font);
            for (var line = 0; line < 10; line++)
            {
                y -= 16;
                page.AddText(words.Substring(line * 40 % (words.Length - 80), 80), 11, new PdfPoint(56, y), font);
            }
        }

        return builder.Build();
    }
}
