using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sluice.Server.Tests.Security;

/// <summary>An identity provider of the test's own: an RSA key pair, and tokens it signs (no network).</summary>
public sealed class TestTokens : IDisposable
{
    public const string Issuer = "https://idp.example.test";
    public const string Audience = "sluice-api";

    private readonly RSA _key = RSA.Create(2048);

    /// <summary>The public key, as <c>Sluice:Auth:Jwt:SigningKey</c> takes it.</summary>
    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    /// <summary>The settings that make a host accept this provider's tokens.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["Sluice:Auth:Jwt:SigningKey"] = PublicKeyPem,
        ["Sluice:Auth:Jwt:Issuer"] = Issuer,
        ["Sluice:Auth:Jwt:Audience"] = Audience,
    };

    /// <summary>A token for <paramref name="tenant"/> with <paramref name="role"/> (claims left out when null).</summary>
    public string Create(
        string? tenant, string? role, TimeSpan? lifetime = null, string audience = Audience, string issuer = Issuer, RSA? signWith = null)
    {
        var claims = new List<Claim> { new("sub", "user-1") };
        if (tenant is not null)
        {
            claims.Add(new Claim("sluice_tenant", tenant));
        }

        if (role is not null)
        {
            claims.Add(new Claim("sluice_role", role));
        }

        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(10));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = issuer,
            Audience = audience,
            IssuedAt = expires < now ? expires.AddMinutes(-10) : now,
            NotBefore = expires < now ? expires.AddMinutes(-10) : now,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signWith ?? _key), SecurityAlgorithms.RsaSha256),
        });
    }

    public void Dispose() => _key.Dispose();
}
