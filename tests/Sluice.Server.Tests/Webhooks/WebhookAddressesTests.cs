using System.Net;
using Sluice.Server.Webhooks;

namespace Sluice.Server.Tests.Webhooks;

/// <summary>Which addresses webhooks may go to: public ones only, unless private networks are allowed; metadata never.</summary>
public sealed class WebhookAddressesTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.9", "loopback")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.254", "private")]
    [InlineData("192.168.1.10", "private")]
    [InlineData("169.254.1.1", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.254", "carrier-grade NAT")]
    [InlineData("224.0.0.251", "multicast")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("169.254.169.254", "cloud metadata")]
    [InlineData("168.63.129.16", "cloud metadata")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fc00::1", "private")]
    [InlineData("fd12:3456::1", "private")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "loopback")] // IPv4-mapped
    [InlineData("::ffff:10.1.2.3", "private")]
    [InlineData("::ffff:169.254.169.254", "cloud metadata")]
    [InlineData("::10.1.2.3", "private")] // IPv4-compatible
    [InlineData("64:ff9b::7f00:1", "loopback")] // NAT64 of 127.0.0.1
    [InlineData("64:ff9b::a9fe:a9fe", "cloud metadata")] // NAT64 of 169.254.169.254
    [InlineData("64:ff9b:1::1", "private")] // local-use NAT64
    [InlineData("2002:c0a8:0101::1", "private")] // 6to4 of 192.168.1.1
    [InlineData("fd00:ec2::254", "cloud metadata")]
    public void InternalAddresses_AreRefused_NamingWhy(string address, string why)
        => Assert.Equal(why, WebhookAddresses.Refusal(IPAddress.Parse(address), allowPrivateNetworks: false));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")] // just past 172.16.0.0/12
    [InlineData("100.128.0.1")] // just past 100.64.0.0/10
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")] // NAT64 of 8.8.8.8
    public void PublicAddresses_AreAllowed(string address)
        => Assert.Null(WebhookAddresses.Refusal(IPAddress.Parse(address), allowPrivateNetworks: false));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("10.0.0.1")]
    [InlineData("fd12::1")]
    public void AllowingPrivateNetworks_AllowsLoopbackAndPrivateAddresses(string address)
        => Assert.Null(WebhookAddresses.Refusal(IPAddress.Parse(address), allowPrivateNetworks: true));

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    public void MetadataEndpoints_StayRefused_EvenWithPrivateNetworksAllowed(string address)
        => Assert.Equal("cloud metadata", WebhookAddresses.Refusal(IPAddress.Parse(address), allowPrivateNetworks: true));

    [Fact]
    public async Task TheConnector_ChecksTheAddressesANameResolvesTo_NotJustLiterals()
    {
        // "localhost" is a name: it passes any check that looks only at the URL's text, and resolves to loopback.
        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(
            async () => await WebhookConnector.ConnectAsync(new DnsEndPoint("localhost", 9), allowPrivateNetworks: false, TestContext.Current.CancellationToken));

        Assert.Contains("loopback", refused.Message, StringComparison.Ordinal);
    }
}
