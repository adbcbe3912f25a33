using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Core.Events;

/// <summary>The one JSON convention of Sluice events and stored records: camelCase, enums as strings.</summary>
public static class SluiceJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
