using System.Globalization;
using System.Text.RegularExpressions;

namespace Sluice.Server.Tests.Telemetry;

/// <summary>Reads samples out of a Prometheus text exposition: the values of a metric whose labels include the given ones.</summary>
internal static partial class PrometheusText
{
    public static IReadOnlyList<double> Values(string body, string metric, params (string Name, string Value)[] labels)
    {
        var values = new List<double>();
        foreach (var line in body.Split('\n'))
        {
            var match = Sample().Match(line);
            if (!match.Success || match.Groups["name"].Value != metric)
            {
                continue;
            }

            var present = Label().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            if (labels.All(l => present.TryGetValue(l.Name, out var v) && v == l.Value))
            {
                values.Add(double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture));
            }
        }

        return values;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)""")]
    private static partial Regex Sample();

    [GeneratedRegex(""""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?=,|$)"""")]
    private static partial Regex Label();
}
