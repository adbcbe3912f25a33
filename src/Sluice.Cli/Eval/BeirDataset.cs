using System.Globalization;
using System.Text.Json;

namespace Sluice.Cli.Eval;

/// <summary>A BEIR-format dataset: <c>corpus.jsonl</c>, <c>queries.jsonl</c>, <c>qrels/&lt;split&gt;.tsv</c>.</summary>
internal sealed record BeirDataset(
    IReadOnlyList<(string Id, string Text)> Corpus,
    IReadOnlyDictionary<string, string> Queries,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, int>> Qrels)
{
    public static async Task<BeirDataset> LoadAsync(string directory, string split, CancellationToken cancellationToken)
    {
        var corpusPath = Path.Combine(directory, "corpus.jsonl");
        var queriesPath = Path.Combine(directory, "queries.jsonl");
        var qrelsPath = Path.Combine(directory, "qrels", $"{split}.tsv");
        foreach (var path in new[] { corpusPath, queriesPath, qrelsPath })
        {
            if (!File.Exists(path))
            {
                throw new Client.CliException($"'{path}' is missing: a BEIR dataset has corpus.jsonl, queries.jsonl and qrels/{split}.tsv", 2);
            }
        }

        var corpus = new List<(string, string)>();
        await foreach (var line in File.ReadLinesAsync(corpusPath, cancellationToken))
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var text = root.GetProperty("text").GetString() ?? string.Empty;
            corpus.Add((root.GetProperty("_id").GetString()!, string.IsNullOrWhiteSpace(title) ? text : $"{title} {text}"));
        }

        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var line in File.ReadLinesAsync(queriesPath, cancellationToken))
        {
            if (line.Length > 0)
            {
                using var json = JsonDocument.Parse(line);
                queries[json.RootElement.GetProperty("_id").GetString()!] = json.RootElement.GetProperty("text").GetString()!;
            }
        }

        var qrels = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        await foreach (var line in File.ReadLinesAsync(qrelsPath, cancellationToken))
        {
            var parts = line.Split('\t');
            if (parts.Length < 3 || !int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var score))
            {
                continue; // header
            }

            if (!qrels.TryGetValue(parts[0], out var judged))
            {
                qrels[parts[0]] = judged = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            judged[parts[1]] = score;
        }

        return new BeirDataset(corpus, queries,
            qrels.ToDictionary(q => q.Key, q => (IReadOnlyDictionary<string, int>)q.Value, StringComparer.Ordinal));
    }
}
