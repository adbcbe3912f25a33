using System.Security.Cryptography;
using System.Text;

namespace Sluice.Server.Webhooks;

/// <summary>
/// Webhook secrets and signatures as Standard Webhooks defines them (https://www.standardwebhooks.com/): a secret is
/// <c>whsec_</c> followed by the base64 of 24 to 64 random bytes; a delivery's <c>webhook-signature</c> is
/// <c>v1,</c> followed by the base64 of HMAC-SHA256 over <c>{webhook-id}.{webhook-timestamp}.{body}</c>, keyed with the
/// secret's bytes (not its text).
/// </summary>
public static class WebhookSecrets
{
    public const string Prefix = "whsec_";

    /// <summary>What a secret must look like, for error messages.</summary>
    public const string Rule = "whsec_ followed by the base64 of 24 to 64 random bytes (or left out, and one is generated)";

    private const int MinBytes = 24;
    private const int MaxBytes = 64;

    /// <summary>A new secret of 32 random bytes.</summary>
    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Whether <paramref name="secret"/> is a secret of the standard form.</summary>
    public static bool IsValid(string? secret) => secret is not null && TryDecode(secret, out _);

    /// <summary>The signature header's value for one delivery attempt.</summary>
    public static string Sign(string secret, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (!TryDecode(secret, out var key))
        {
            throw new ArgumentException("The webhook secret is not of the form " + Rule + ".", nameof(secret));
        }

        var prefix = Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{id}.{timestamp}."));
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }

    private static bool TryDecode(string secret, out byte[] key)
    {
        key = [];
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > Prefix.Length + 100)
        {
            return false;
        }

        var buffer = new byte[MaxBytes + 3];
        if (!Convert.TryFromBase64String(secret[Prefix.Length..], buffer, out var written) || written is < MinBytes or > MaxBytes)
        {
            return false;
        }

        key = buffer[..written];
        return true;
    }
}
