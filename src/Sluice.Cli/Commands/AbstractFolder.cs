using System.Text;
using System.Text.Json;
using Sluice.Cli.Client;

namespace Sluice.Cli.Commands;

/// <summary>
/// A temporary folder of small documents cut from a BEIR corpus (<c>corpus.jsonl</c>, one JSON object per line with
/// <c>title</c> and <c>text</c>): the first N abstracts, one file each, named by their position, in corpus order. The
/// same corpus and N always give the same files, so runs on different machines ingest the same bytes. Deleted when
/// disposed.
/// </summary>
internal sealed class AbstractFolder : IDisposable
{
    private AbstractFolder(string path) => Path = path;

    public string Path { get; }

    public static async Task<AbstractFolder> WriteAsync(string corpus, int count, CancellationToken cancellationToken)
    {
        if (!File.Exists(corpus))
        {
            throw new CliException($"'{corpus}' is not a file; --scifact takes a BEIR corpus.jsonl", 2);
        }

        var folder = new AbstractFolder(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sluice-abstracts-" + Guid.NewGuid().ToString("N")));
        Directory.CreateDirectory(folder.Path);
        try
        {
            var written = 0;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var number = 0;
            await foreach (var line in File.ReadLinesAsync(corpus, cancellationToken))
            {
                number++;
                if (written == count)
                {
                    break;
                }

                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                var text = Abstract(line, corpus, number);

                // Equal bytes are one document to Sluice; a corpus with duplicates would otherwise stop the run.
                if (text.Length == 0 || !seen.Add(text))
                {
                    continue;
                }

                await File.WriteAllTextAsync(System.IO.Path.Combine(folder.Path, $"abstract-{written:D5}.txt"), text, Encoding.UTF8, cancellationToken);
                written++;
            }

            if (written < count)
            {
                Console.WriteLine($"note: {corpus} holds {written} distinct abstracts; using all of them");
            }

            Console.WriteLine($"{written} abstracts, one file each");
            return folder;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Abstract(string line, string corpus, int number)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var title = json.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()!.Trim() : string.Empty;
            var text = json.RootElement.TryGetProperty("text", out var x) && x.ValueKind == JsonValueKind.String ? x.GetString()!.Trim() : string.Empty;
            return title.Length == 0 ? text : text.Length == 0 ? title : title + "\n\n" + text;
        }
        catch (JsonException ex)
        {
            throw new CliException($"{corpus} line {number} is not a BEIR corpus record ({ex.Message})", 2);
        }
    }
}
