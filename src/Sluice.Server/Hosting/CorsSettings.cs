using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Sluice.Server.Hosting;

/// <summary>
/// <c>Sluice:Cors</c>: which browser origins may call the API. Off (no CORS headers at all) until origins are listed.
/// Callers authenticate with the <c>Authorization</c> header, never with cookies, so credentials are not allowed.
/// </summary>
public sealed class CorsSettings
{
    public const string Section = "Sluice:Cors";

    /// <summary>Origins allowed to call the API, e.g. <c>https://app.example.com</c>; none turns CORS off.</summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>Request headers a browser may send; the API's own by default.</summary>
    public IList<string> AllowedHeaders { get; } = [HeaderNames.Authorization, HeaderNames.ContentType, "Last-Event-ID"];

    /// <summary>How long a browser may cache a preflight's answer.</summary>
    public TimeSpan PreflightMaxAge { get; set; } = TimeSpan.FromMinutes(10);

    public bool Enabled => AllowedOrigins.Count > 0;

    /// <summary>The policy for these settings: the API's methods, its headers, and the response headers clients act on.</summary>
    internal CorsPolicy Policy() => new CorsPolicyBuilder()
        .WithOrigins([.. AllowedOrigins.Select(o => o.Trim().TrimEnd('/'))])
        .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete)
        .WithHeaders([.. AllowedHeaders])
        .WithExposedHeaders(HeaderNames.Location, HeaderNames.RetryAfter)
        .SetPreflightMaxAge(PreflightMaxAge)
        .Build();

    /// <summary>Origins must be exact (<c>scheme://host[:port]</c>): a wildcard would let every web page call the API.</summary>
    internal sealed class Validator : IValidateOptions<CorsSettings>
    {
        public ValidateOptionsResult Validate(string? name, CorsSettings options)
        {
            var errors = options.AllowedOrigins
                .Where(o => !Uri.TryCreate(o.Trim(), UriKind.Absolute, out var uri)
                            || uri.Scheme is not ("http" or "https")
                            || uri.PathAndQuery != "/" || o.Contains('*', StringComparison.Ordinal))
                .Select(o => $"{Section}:AllowedOrigins: '{o}' is not an origin (scheme://host[:port], no path, no wildcard).")
                .ToList();
            if (options.PreflightMaxAge < TimeSpan.Zero)
            {
                errors.Add($"{Section}:PreflightMaxAge must not be negative.");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
