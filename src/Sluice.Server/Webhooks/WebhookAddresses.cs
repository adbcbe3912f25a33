using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Webhooks;

/// <summary>
/// Which addresses a webhook may be delivered to. A webhook URL is chosen by a tenant, so without this check Sluice would
/// send requests, from inside its own network, wherever a tenant points it (server-side request forgery): to the
/// machine itself, to private services, to a cloud's metadata endpoint that hands out credentials.
/// </summary>
/// <remarks>
/// Refused unless private networks are allowed: loopback, private (RFC 1918, IPv6 unique local), link-local,
/// carrier-grade NAT (100.64.0.0/10), multicast, unspecified, broadcast and reserved ranges, and the same addresses
/// hidden inside IPv6 (IPv4-mapped, IPv4-compatible, NAT64 <c>64:ff9b::/96</c> and <c>64:ff9b:1::/48</c>, 6to4).
/// Cloud metadata endpoints are refused even when private networks are allowed: no receiver lives there, and a
/// request to one can hand out the host's credentials.
/// </remarks>
public static class WebhookAddresses
{
    /// <summary>Metadata services that answer on addresses outside the ranges above (or that must stay refused regardless).</summary>
    private static readonly IPAddress[] Metadata =
    [
        IPAddress.Parse("169.254.169.254"), // AWS, GCP, Azure, OpenStack, DigitalOcean…
        IPAddress.Parse("169.254.170.2"), // AWS ECS task credentials
        IPAddress.Parse("168.63.129.16"), // Azure wire server (a public address)
        IPAddress.Parse("100.100.100.200"), // Alibaba Cloud
        IPAddress.Parse("fd00:ec2::254"), // AWS over IPv6
    ];

    /// <summary>
    /// Why a webhook may not be delivered to <paramref name="address"/> (<c>loopback</c>, <c>private</c>,
    /// <c>link-local</c>, <c>carrier-grade NAT</c>, <c>multicast</c>, <c>unspecified</c>, <c>reserved</c>,
    /// <c>cloud metadata</c>), or null when it may.
    /// </summary>
    /// <param name="address">The address a request would connect to.</param>
    /// <param name="allowPrivateNetworks">Whether every address but the metadata endpoints is allowed (receivers on a private network, tests on loopback).</param>
    public static string? Refusal(IPAddress address, bool allowPrivateNetworks)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (Array.Exists(Metadata, m => m.Equals(address)) || (Embedded(address) is { } inner && Array.Exists(Metadata, m => m.Equals(inner))))
        {
            return "cloud metadata";
        }

        if (allowPrivateNetworks)
        {
            return null;
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => ClassifyV6(address),
            _ => "not an IP address",
        };
    }

    private static string? ClassifyV4(byte[] b) => b switch
    {
        [0, ..] => "unspecified",
        [10, ..] => "private",
        [127, ..] => "loopback",
        [169, 254, ..] => "link-local",
        [172, >= 16 and <= 31, ..] => "private",
        [192, 168, ..] => "private",
        [100, >= 64 and <= 127, ..] => "carrier-grade NAT",
        [192, 0, 0, _] => "reserved", // IETF protocol assignments
        [198, 18 or 19, ..] => "reserved", // benchmarking
        [>= 224 and <= 239, ..] => "multicast",
        [>= 240, ..] => "reserved", // includes the broadcast address
        _ => null,
    };

    private static string? ClassifyV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6None))
        {
            return "unspecified";
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return "loopback";
        }

        if (Embedded(address) is { } inner)
        {
            // The IPv4 address the packet really goes to (through a translator or a tunnel): judged as itself.
            return ClassifyV4(inner.GetAddressBytes());
        }

        var b = address.GetAddressBytes();
        return b switch
        {
            [0xff, ..] => "multicast",
            [0xfe, >= 0x80 and <= 0xbf, ..] => "link-local",
            [0xfe, >= 0xc0, ..] => "private", // deprecated site-local
            [0xfc or 0xfd, ..] => "private", // unique local
            [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01, ..] => "private", // NAT64 for local use (RFC 8215)
            [0x20, 0x01, 0x0d, 0xb8, ..] => "reserved", // documentation
            [0x20, 0x01, 0x00, 0x00, ..] => "reserved", // Teredo: the IPv4 end is obfuscated, so not checkable
            _ when b.AsSpan(0, 15).IndexOfAnyExcept((byte)0) < 0 => "unspecified", // ::/128 spelled differently
            _ => null,
        };
    }

    /// <summary>The IPv4 address inside an IPv4-compatible, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) IPv6 address.</summary>
    private static IPAddress? Embedded(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }

        var b = address.GetAddressBytes();
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && b.AsSpan(12).IndexOfAnyExcept((byte)0) >= 0 && !address.Equals(IPAddress.IPv6Loopback))
        {
            return new IPAddress(b.AsSpan(12)); // ::a.b.c.d (IPv4-compatible, deprecated)
        }

        if (b is [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, ..])
        {
            return new IPAddress(b.AsSpan(12)); // NAT64 well-known prefix
        }

        if (b is [0x20, 0x02, ..])
        {
            return new IPAddress(b.AsSpan(2, 4)); // 6to4
        }

        return null;
    }
}
