using System.Security.Cryptography;
using System.Text;

namespace Sluice.Server.Security;

/// <summary>
/// The text of an API key: <c>sk_</c>, a 12-character public id, <c>_</c>, and a 43-character secret (32 random bytes,
/// base64url). The prefix makes a leaked key recognisable (secret scanners, logs); the id finds the key's record without
/// a scan; only the SHA-256 of the secret is stored.
/// </summary>
/// <remarks>
/// A fast hash is enough: the secret has 256 bits of entropy, so there is nothing to brute-force that a slow password
/// hash would protect; a slow hash would only cost every request.
/// </remarks>
public static class ApiKeyText
{
    public const string Prefix = "sk_";
    private const int IdLength = 12;
    private const int SecretBytes = 32;
    private const int SecretLength = 43;
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The length of every key's text.</summary>
    public const int Length = 3 + IdLength + 1 + SecretLength;

    /// <summary>A new key's text and the two parts the store keeps of it: its id and its secret's hash.</summary>
    public static (string Text, string Id, byte[] SecretHash) Generate()
    {
        var id = string.Create(IdLength, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = IdAlphabet[RandomNumberGenerator.GetInt32(IdAlphabet.Length)];
            }
        });
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return ($"{Prefix}{id}_{secret}", id, Hash(secret));
    }

    /// <summary>Whether a bearer token looks like a Sluice key (so that it is not handed to a token validator).</summary>
    public static bool LooksLikeKey(string token) => token.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Splits a key's text into its id and its secret's hash; false when it is not a well-formed key.</summary>
    public static bool TryParse(string text, out string id, out byte[] secretHash)
    {
        id = string.Empty;
        secretHash = [];
        if (text.Length != Length || !LooksLikeKey(text) || text[3 + IdLength] != '_')
        {
            return false;
        }

        id = text.Substring(3, IdLength);
        if (!id.All(c => IdAlphabet.Contains(c, StringComparison.Ordinal)))
        {
            return false;
        }

        secretHash = Hash(text[(4 + IdLength)..]);
        return true;
    }

    /// <summary>Whether a presented secret's hash is the stored one, in time that does not depend on where they differ.</summary>
    public static bool Matches(byte[] presented, byte[] stored) => CryptographicOperations.FixedTimeEquals(presented, stored);

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
