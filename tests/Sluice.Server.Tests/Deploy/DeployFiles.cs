using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Sluice.Server.Tests.Deploy;

/// <summary>
/// The repository's <c>deploy/</c> directory as the tests read it: every YAML document (multi-document files too) as a
/// JSON tree, so that manifests can be queried by path; and the repository root, found from the test's own directory.
/// </summary>
internal static class DeployFiles
{
    /// <summary>The repository root: the nearest directory above the test's binaries that holds <c>Sluice.slnx</c>.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Directory => Path.Combine(RepositoryRoot, "deploy");

    /// <summary>Every file under <c>deploy/</c> with one of <paramref name="extensions"/>, sorted, as paths relative to the root.</summary>
    public static IReadOnlyList<string> Find(params string[] extensions)
        => [.. System.IO.Directory.EnumerateFiles(Directory, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(f => Path.GetRelativePath(RepositoryRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(RepositoryRoot, relativePath));

    /// <summary>The documents of a YAML file (empty ones left out), each as a JSON tree of its mappings, sequences and scalars.</summary>
    public static IReadOnlyList<JsonNode> LoadYaml(string relativePath)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(Read(relativePath)))
        {
            stream.Load(reader);
        }

        return [.. stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonNode>()];
    }

    /// <summary>Every YAML document under <paramref name="relativeDirectory"/>, with the file it came from.</summary>
    public static IReadOnlyList<(string File, JsonNode Document)> LoadYamlUnder(string relativeDirectory)
        => [.. Find(".yaml", ".yml")
            .Where(f => f.StartsWith(relativeDirectory.TrimEnd('/') + "/", StringComparison.Ordinal))
            .SelectMany(f => LoadYaml(f).Select(d => (f, d)))];

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode { Value: null or "" or "~" or "null", Style: YamlDotNet.Core.ScalarStyle.Plain } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"Unexpected YAML node {node.NodeType} at {node.Start}."),
    };

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Sluice.slnx above {AppContext.BaseDirectory}: the deploy tests read the repository's deploy/ directory.");
    }
}

/// <summary>Reading values out of a manifest's JSON tree: scalars are strings, as YAML wrote them.</summary>
internal static class Manifest
{
    public static string? Str(this JsonNode? node, string path)
    {
        var current = node;
        foreach (var part in path.Split('.'))
        {
            current = int.TryParse(part, out var index) ? current?.AsArray() is { } a && index < a.Count ? a[index] : null : current?[part];
        }

        return current?.GetValue<string>();
    }

    public static JsonNode? At(this JsonNode? node, string path)
    {
        var current = node;
        foreach (var part in path.Split('.'))
        {
            current = int.TryParse(part, out var index) ? current?.AsArray() is { } a && index < a.Count ? a[index] : null : current?[part];
        }

        return current;
    }

    public static IEnumerable<JsonNode> Items(this JsonNode? node, string path)
        => node.At(path) is JsonArray array ? array.OfType<JsonNode>() : [];

    public static string Kind(this JsonNode document) => document.Str("kind") ?? string.Empty;

    public static string Name(this JsonNode document) => document.Str("metadata.name") ?? string.Empty;
}
