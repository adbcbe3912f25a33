using System.Net;
using System.Net.Sockets;

namespace Sluice.Server.Webhooks;

/// <summary>
/// Connects webhook deliveries: resolves the host itself, drops every address <see cref="WebhookAddresses"/> refuses,
/// and connects only to what is left. The check therefore applies to the very address the request goes to, whatever
/// the name resolved to when the subscription was created (DNS rebinding).
/// </summary>
public static class WebhookConnector
{
    /// <summary>The handler webhook deliveries are sent through: guarded connects, no proxy, no redirects, no cookies.</summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivateNetworks) => new()
    {
        // A proxy would connect for us, to wherever it resolves the name: the check below would never see the address.
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowPrivateNetworks, cancellationToken),
    };

    /// <summary>Resolves <paramref name="endpoint"/>, filters the addresses and connects to the first allowed one that answers.</summary>
    /// <exception cref="WebhookAddressRefusedException">Every address the host resolves to is refused.</exception>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivateNetworks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        string? refusal = null;
        SocketException? lastFailure = null;
        foreach (var address in addresses)
        {
            if (WebhookAddresses.Refusal(address, allowPrivateNetworks) is { } why)
            {
                refusal ??= why;
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastFailure = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        if (lastFailure is not null)
        {
            throw lastFailure;
        }

        throw refusal is not null
            ? new WebhookAddressRefusedException($"the webhook's host resolves only to refused addresses ({refusal})")
            : new SocketException((int)SocketError.HostNotFound);
    }
}

/// <summary>A delivery was not sent: the host resolves only to addresses webhooks may not go to.</summary>
public sealed class WebhookAddressRefusedException : IOException
{
    public WebhookAddressRefusedException()
    {
    }

    public WebhookAddressRefusedException(string message)
        : base(message)
    {
    }

    public WebhookAddressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
