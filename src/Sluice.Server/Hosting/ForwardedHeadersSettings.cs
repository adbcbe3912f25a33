using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Sluice.Server.Hosting;

/// <summary>
/// <c>Sluice:ForwardedHeaders</c>: whether to believe a reverse proxy's <c>X-Forwarded-For</c> and
/// <c>X-Forwarded-Proto</c>. Off by default: a client that can reach the server directly could otherwise claim any
/// address or scheme. When on, only the listed proxies (loopback when none is listed) are believed.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "Sluice:ForwardedHeaders";

    /// <summary>Whether forwarded headers are applied at all.</summary>
    public bool Enabled { get; set; }

    /// <summary>Addresses of the proxies whose headers are believed (e.g. <c>10.0.0.7</c>).</summary>
    public IList<string> KnownProxies { get; } = [];

    /// <summary>Networks of the proxies whose headers are believed, in CIDR notation (e.g. <c>10.0.0.0/8</c>).</summary>
    public IList<string> KnownNetworks { get; } = [];

    /// <summary>How many proxies (entries of <c>X-Forwarded-For</c>, from the right) are applied: one per proxy hop.</summary>
    public int ForwardLimit { get; set; } = 1;

    /// <summary>The middleware's options for these settings (which <see cref="Validator"/> has accepted).</summary>
    internal void Apply(ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        options.ForwardLimit = ForwardLimit;
        if (KnownProxies.Count == 0 && KnownNetworks.Count == 0)
        {
            return; // the middleware's own default: loopback only
        }

        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy.Trim()));
        }

        foreach (var network in KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network.Trim()));
        }
    }

    /// <summary>Refuses addresses and networks that do not parse, so that a typo fails the start instead of trusting no one.</summary>
    internal sealed class Validator : IValidateOptions<ForwardedHeadersSettings>
    {
        public ValidateOptionsResult Validate(string? name, ForwardedHeadersSettings options)
        {
            var errors = new List<string>();
            errors.AddRange(options.KnownProxies.Where(p => !IPAddress.TryParse(p.Trim(), out _))
                .Select(p => $"{Section}:KnownProxies: '{p}' is not an IP address."));
            errors.AddRange(options.KnownNetworks.Where(n => !System.Net.IPNetwork.TryParse(n.Trim(), out _))
                .Select(n => $"{Section}:KnownNetworks: '{n}' is not a network in CIDR notation (e.g. 10.0.0.0/8)."));
            if (options.ForwardLimit < 1)
            {
                errors.Add($"{Section}:ForwardLimit must be at least 1 (the number of proxies in front of Sluice).");
            }

            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
