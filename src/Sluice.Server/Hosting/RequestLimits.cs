using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Hosting;

/// <summary>
/// <c>Sluice:Limits</c>: how much of a request the server reads. The body limit holds for every route but the
/// upload, which raises it for itself to <c>Sluice:MaxUploadBytes</c>; a larger body is refused with 413 before it is
/// buffered. Headers and the request line keep Kestrel's defaults (32 KiB of headers, 100 headers: 431; 8 KiB of
/// request line, query included: 414), which the API's requests stay far below.
/// </summary>
public sealed class RequestLimits
{
    public const string Section = "Sluice:Limits";

    /// <summary>Largest request body of any route but the upload. Default 1 MiB.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
