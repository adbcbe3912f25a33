using System.Security.Cryptography;
using System.Text;

namespace Sluice.Core.Events;

/// <summary>
/// Deterministic identifiers. Every id Sluice writes is derived from what it identifies, so a replay
/// after a crash writes the same ids again and idempotent sinks see no duplicates.
/// </summary>
public static class Ids
{
    /// <summary>32 lower-case hex characters from the SHA-256 of the parts (unit-separated).</summary>
    public static string Derive(params ReadOnlySpan<string> parts)
    {
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            builder.Append(part).Append('\u001f');
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>A document's id: the same bytes uploaded by the same tenant get the same id.</summary>
    public static string Document(string tenant, string sha256) => Derive("document", tenant, sha256);

    /// <summary>The id of the <paramref name="index"/>-th event a stage emits for an input event.</summary>
    public static string Output(string inputEventId, string stage, int index)
        => Derive("event", inputEventId, stage, index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string Chunk(string documentId, int index, string text)
        => Derive("chunk", documentId, index.ToString(System.Globalization.CultureInfo.InvariantCulture), text);
}
