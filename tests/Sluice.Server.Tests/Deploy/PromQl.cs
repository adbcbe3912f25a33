using System.Text.RegularExpressions;

namespace Sluice.Server.Tests.Deploy;

/// <summary>
/// The metric names a PromQL expression reads: what is left once strings, label matchers, ranges, grouping clauses,
/// template variables, functions and keywords are taken out. Enough for the expressions of a dashboard or rule file;
/// not a PromQL parser.
/// </summary>
internal static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN",
    };

    public static IReadOnlyList<string> MetricNames(string expression)
    {
        var s = Strings().Replace(expression, "\"\"");
        s = TemplateVariables().Replace(s, " ");
        s = Matchers().Replace(s, " ");
        s = Ranges().Replace(s, " ");
        s = Grouping().Replace(s, " ");
        return [.. Identifiers().Matches(s).Select(m => m.Value).Where(n => !Keywords.Contains(n)).Distinct(StringComparer.Ordinal)];
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\$\{?\w+\}?")]
    private static partial Regex TemplateVariables();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    /// <summary>A whole identifier (atomic, so "rate(" is not read as "rat") that is not a function call.</summary>
    [GeneratedRegex(@"(?<![\w:.])(?>[a-zA-Z_:][a-zA-Z0-9_:]*)(?!\s*\()")]
    private static partial Regex Identifiers();
}
