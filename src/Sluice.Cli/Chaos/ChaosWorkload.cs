using System.Globalization;
using System.Text;

namespace Sluice.Cli.Chaos;

/// <summary>One document of a chaos run, what it should end as, and what became of it.</summary>
internal sealed class ChaosDocument(int number, string fileName, string contentType, byte[] content, string marker, bool broken)
{
    public int Number { get; } = number;

    public string FileName { get; } = fileName;

    public string ContentType { get; } = contentType;

    public byte[] Content { get; } = content;

    /// <summary>A sentence no other document has: what must be gone from every file once the document is deleted.</summary>
    public string Marker { get; } = marker;

    /// <summary>Broken on purpose: it must end dead-lettered or failed, with a reason.</summary>
    public bool Broken { get; } = broken;

    /// <summary>The id the server gave it, once an upload was acknowledged.</summary>
    public string? Id { get; set; }

    /// <summary>Acknowledged (202 or 200) and not deleted since: it must end terminal.</summary>
    public bool Live { get; set; }

    /// <summary>Deleted (204) after it was acknowledged, and not uploaded again since.</summary>
    public bool Deleted { get; set; }

    /// <summary>Uploads answered 202.</summary>
    public int Accepted { get; set; }
}

/// <summary>
/// Documents of mixed formats, each with a unique marker sentence; about one in fifteen broken on purpose (a PDF
/// whose body is noise, an HTML page without text).
/// </summary>
internal static class ChaosWorkload
{
    private static readonly string[] Words =
    [
        "harbour", "lantern", "meadow", "granite", "orchard", "compass", "thistle", "cinder", "falcon", "velvet",
        "glacier", "quarry", "saffron", "tundra", "willow", "beacon", "cobalt", "drizzle", "ember", "fjord",
    ];

    public static List<ChaosDocument> Create(int count, int seed)
    {
        var random = new Random(seed);
        var documents = new List<ChaosDocument>(count);
        for (var i = 0; i < count; i++)
        {
            var marker = string.Create(CultureInfo.InvariantCulture, $"Chaos marker {seed:x}-{i:D6} {Guid.NewGuid():N} sails past the breakwater");
            var body = Paragraphs(random, marker, sentences: 6 + random.Next(30));
            documents.Add((i % 15) switch
            {
                7 => new ChaosDocument(i, $"broken-{i}.pdf", "application/pdf", BrokenPdf(random, marker), marker, broken: true),
                11 => new ChaosDocument(i, $"empty-{i}.html", "text/html",
                    Encoding.UTF8.GetBytes($"<html><head><title></title></head><body><div><!-- {marker} --></div></body></html>"), marker, broken: true),
                1 or 4 => new ChaosDocument(i, $"page-{i}.html", "text/html",
                    Encoding.UTF8.GetBytes($"<html><body><h1>Page {i}</h1><p>{body.Replace("\n\n", "</p><p>", StringComparison.Ordinal)}</p></body></html>"), marker, broken: false),
                2 or 9 => new ChaosDocument(i, $"notes-{i}.md", "text/markdown",
                    Encoding.UTF8.GetBytes($"# Notes {i}\n\n{body}\n\n- a list item\n- another one\n"), marker, broken: false),
                _ => new ChaosDocument(i, $"text-{i}.txt", "text/plain", Encoding.UTF8.GetBytes(body), marker, broken: false),
            });
        }

        return documents;
    }

    private static string Paragraphs(Random random, string marker, int sentences)
    {
        var builder = new StringBuilder(marker).Append(". ");
        for (var s = 0; s < sentences; s++)
        {
            for (var w = 0; w < 8 + random.Next(10); w++)
            {
                builder.Append(w == 0 ? char.ToUpperInvariant(Words[random.Next(Words.Length)][0]) + Words[random.Next(Words.Length)][1..] : Words[random.Next(Words.Length)]);
                builder.Append(' ');
            }

            builder.Length--;
            builder.Append(s % 5 == 4 ? ".\n\n" : ". ");
        }

        return builder.ToString();
    }

    /// <summary>Sniffed as a PDF (the header), but nothing a parser can read.</summary>
    private static byte[] BrokenPdf(Random random, string marker)
    {
        var noise = new byte[2048];
        random.NextBytes(noise);
        return [.. Encoding.ASCII.GetBytes($"%PDF-1.7\n% {marker}\n"), .. noise];
    }
}
