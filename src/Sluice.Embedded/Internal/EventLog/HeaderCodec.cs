using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Sluice.Embedded.Internal.EventLog;

/// <summary>Record headers as a JSON object (readable with the sqlite3 shell); <c>null</c> when there are none.</summary>
internal static class HeaderCodec
{
    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>(StringComparer.Ordinal);

    public static string? Encode(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null || headers.Count == 0)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in headers)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static IReadOnlyDictionary<string, string> Decode(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return Empty;
        }

        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            headers[name] = reader.GetString() ?? string.Empty;
        }

        return headers;
    }

    /// <summary>Bytes the headers count towards the record size: UTF-8 names and values.</summary>
    public static int Size(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null)
        {
            return 0;
        }

        var size = 0;
        foreach (var (name, value) in headers)
        {
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value ?? string.Empty);
        }

        return size;
    }
}
