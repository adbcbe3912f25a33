using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Hosting;

/// <summary>
/// <c>Sluice:Hsts</c>: the <c>Strict-Transport-Security</c> header, sent only on HTTPS responses (as seen after
/// forwarded headers) and never for localhost.
/// </summary>
public sealed class HstsSettings
{
    public const string Section = "Sluice:Hsts";

    /// <summary>How long browsers keep to HTTPS for the host; zero sends no header. Default one year.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "3650.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Whether the rule also covers subdomains.</summary>
    public bool IncludeSubDomains { get; set; }
}
