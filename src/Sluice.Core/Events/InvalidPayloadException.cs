using System.Text.Json;

namespace Sluice.Core.Events;

/// <summary>
/// An event's payload cannot be read as the type its consumer expects (not that type's JSON, empty, or missing a
/// field that may not be null). Reading it again will never work, so the runtime treats it as a permanent failure
/// of that one event (poison), not as something to retry.
/// </summary>
public sealed class InvalidPayloadException : JsonException
{
    public InvalidPayloadException()
    {
    }

    public InvalidPayloadException(string message)
        : base(message)
    {
    }

    public InvalidPayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
