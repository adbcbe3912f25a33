using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Sluice.Core.Events;

/// <summary>The one JSON convention of Sluice events and stored records: camelCase, enums as strings.</summary>
public static class SluiceJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>
    /// <see cref="Options"/> for reading event payloads, strict about what a payload type says may not be null: a
    /// field declared non-nullable that is null or missing fails the read (instead of surfacing later as a
    /// <see cref="NullReferenceException"/> in a stage, which looks transient and is retried for minutes).
    /// </summary>
    public static JsonSerializerOptions Payloads { get; } = CreatePayloads();

    private static JsonSerializerOptions CreatePayloads()
    {
        var options = new JsonSerializerOptions(Create(readOnly: false))
        {
            RespectNullableAnnotations = true,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { RequireNonNullableParameters } },
        };
        options.MakeReadOnly();
        return options;
    }

    /// <summary>A constructor parameter that is a non-nullable reference and has no default must be present.</summary>
    private static void RequireNonNullableParameters(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.AssociatedParameter is { HasDefaultValue: false, IsNullable: false } parameter
                && !parameter.ParameterType.IsValueType)
            {
                property.IsRequired = true;
            }
        }
    }

    private static JsonSerializerOptions Create(bool readOnly = true)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        if (readOnly)
        {
            options.MakeReadOnly(populateMissingResolver: true);
        }

        return options;
    }
}
