using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Webhooks;

/// <summary>Checks a webhook URL when a subscription is created: its form, and where its host resolves to now.</summary>
/// <remarks>
/// Passing here is not enough: a name can resolve elsewhere later (DNS rebinding), so every delivery checks the
/// addresses it actually connects to again (<see cref="WebhookConnector"/>).
/// </remarks>
public static class WebhookUrls
{
    /// <summary>Longest accepted URL.</summary>
    public const int MaxLength = 2000;

    /// <summary>Why <paramref name="url"/> cannot be a webhook's URL (a sentence for the client), or null when it can.</summary>
    public static async Task<string?> RefusalAsync(string? url, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "url is required: the absolute http or https URL deliveries are POSTed to.";
        }

        if (url.Length > MaxLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"url must be an absolute http or https URL of at most {MaxLength} characters.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "url must not carry a user name or password: deliveries are authenticated by their signature.";
        }

        if (uri.Fragment.Length > 0)
        {
            return "url must not have a fragment (#…): it is never sent.";
        }

        IPAddress[] addresses;
        try
        {
            addresses = uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
                ? [IPAddress.Parse(uri.IdnHost)]
                : await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken);
        }
        catch (SocketException)
        {
            return $"url's host '{uri.Host}' does not resolve; a webhook must point at a host that exists.";
        }

        if (addresses.Length == 0)
        {
            return $"url's host '{uri.Host}' does not resolve; a webhook must point at a host that exists.";
        }

        foreach (var address in addresses)
        {
            if (WebhookAddresses.Refusal(address, allowPrivateNetworks) is { } why)
            {
                return $"url's host '{uri.Host}' resolves to a {why} address ({address}); webhooks go to public addresses only"
                       + (why == "cloud metadata" ? "." : " (unless the operator sets Sluice:Webhooks:AllowPrivateNetworks).");
            }
        }

        return null;
    }
}
