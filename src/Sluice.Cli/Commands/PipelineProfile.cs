using System.Globalization;

namespace Sluice.Cli.Commands;

/// <summary>
/// Where a benchmark's time went, from the server's own <c>/metrics</c> read before and after the run: per stage, the
/// records handled and the busy time (the sum of every delivery's handling time; records run side by side, so it can
/// exceed the wall time), and the model's time (the sum of its batch durations) with the texts it embedded. A server
/// without the scrape endpoint gives no profile and the benchmark goes on without one.
/// </summary>
internal sealed class PipelineProfile
{
    private readonly Dictionary<string, double> _values;

    private PipelineProfile(Dictionary<string, double> values) => _values = values;

    public static async Task<PipelineProfile?> ReadAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("metrics", UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode ? new PipelineProfile(Parse(await response.Content.ReadAsStringAsync(cancellationToken))) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Prints what happened between <paramref name="before"/> and <paramref name="after"/>.</summary>
    public static void Print(PipelineProfile? before, PipelineProfile? after, double wallSeconds)
    {
        if (before is null || after is null)
        {
            Console.WriteLine("profile: the server's /metrics could not be read");
            return;
        }

        double Delta(string key) => after._values.GetValueOrDefault(key) - before._values.GetValueOrDefault(key);
        var stages = after._values.Keys
            .Where(k => k.StartsWith("records|", StringComparison.Ordinal))
            .Select(k => k["records|".Length..])
            .Where(s => Delta("records|" + s) > 0)
            .Order(StringComparer.Ordinal);
        Console.WriteLine("profile (from the server's /metrics):");
        foreach (var stage in stages)
        {
            var records = Delta("records|" + stage);
            var busy = Delta("busy|" + stage);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {stage,-18} {records,7:F0} records, busy {busy,7:F1} s ({busy / wallSeconds * 100,4:F0}% of the wall time), {busy / records * 1000,7:F1} ms per record"));
        }

        var model = Delta("model");
        var texts = Delta("texts");
        var batches = Delta("batches");
        if (batches > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  model              {texts,7:F0} texts in {batches:F0} batches, {model,7:F1} s ({model / wallSeconds * 100,4:F0}% of the wall time), {texts / batches:F1} texts per batch"));
        }
    }

    /// <summary>Sums the series the profile needs from Prometheus' text format, over every tag but the stage.</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var end = line.IndexOf('}', StringComparison.Ordinal);
            var nameEnd = line.IndexOfAny(['{', ' ']);
            if (nameEnd < 0)
            {
                continue;
            }

            var name = line[..nameEnd];
            var rest = (end >= 0 ? line[(end + 1)..] : line[nameEnd..]).Trim().Split(' ')[0];
            if (!double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var key = name switch
            {
                "sluice_stage_records_total" => "records|" + Label(line, "sluice_stage"),
                "sluice_stage_duration_seconds_sum" => "busy|" + Label(line, "sluice_stage"),
                "sluice_embedder_batch_duration_seconds_sum" => "model",
                "sluice_embedder_texts_total" => "texts",
                "sluice_embedder_batches_total" => "batches",
                _ => null,
            };
            if (key is not null)
            {
                values[key] = values.GetValueOrDefault(key) + value;
            }
        }

        return values;
    }

    private static string Label(string line, string label)
    {
        var start = line.IndexOf(label + "=\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return "?";
        }

        start += label.Length + 2;
        var end = line.IndexOf('"', start);
        return end < 0 ? "?" : line[start..end];
    }
}
