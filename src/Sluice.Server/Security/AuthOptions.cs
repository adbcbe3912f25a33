using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Security;

/// <summary>
/// How callers prove who they are (<c>Sluice:Auth</c>). API keys need no settings (create one with
/// <c>sluice keys create</c>); JSON Web Tokens from an identity provider need <see cref="JwtOptions.Authority"/> or
/// <see cref="JwtOptions.SigningKey"/>. With neither a key nor a token issuer, the API is open on the <c>default</c>
/// tenant, and only on loopback unless <see cref="AllowAnonymous"/> says otherwise.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Sluice:Auth";

    /// <summary>Serve without authentication even on addresses other than loopback (everyone is the default tenant's admin).</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>How long an API process trusts what it read about a key: a revocation takes effect within this time everywhere.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    public JwtOptions Jwt { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Jwt.IsConfigured && string.IsNullOrWhiteSpace(Jwt.Audience))
        {
            yield return new ValidationResult("Sluice:Auth:Jwt:Audience is required with a token issuer (the audience Sluice's tokens are issued for).", [nameof(Jwt)]);
        }

        if (!string.IsNullOrWhiteSpace(Jwt.SigningKey) && string.IsNullOrWhiteSpace(Jwt.Issuer) && string.IsNullOrWhiteSpace(Jwt.Authority))
        {
            yield return new ValidationResult("Sluice:Auth:Jwt:Issuer is required with Sluice:Auth:Jwt:SigningKey (the issuer tokens must name).", [nameof(Jwt)]);
        }
    }
}

/// <summary>
/// JSON Web Tokens from an OpenID Connect provider (<c>Sluice:Auth:Jwt</c>): signing keys from the provider's metadata
/// (<see cref="Authority"/>) or given here (<see cref="SigningKey"/>, a PEM public key, for issuers without discovery).
/// </summary>
public sealed class JwtOptions
{
    /// <summary>The provider's URL; its <c>/.well-known/openid-configuration</c> gives the issuer and the signing keys.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience (<c>aud</c>) tokens must carry.</summary>
    public string? Audience { get; set; }

    /// <summary>The issuer (<c>iss</c>) tokens must carry, when it is not the authority's.</summary>
    public string? Issuer { get; set; }

    /// <summary>A PEM-encoded RSA or EC public key that signs the tokens, instead of the authority's metadata.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The claim that names the tenant.</summary>
    public string TenantClaim { get; set; } = "sluice_tenant";

    /// <summary>The claim (one or several values) that names the role: <c>reader</c>, <c>writer</c> or <c>admin</c>, after <see cref="RolePrefix"/>.</summary>
    public string RoleClaim { get; set; } = "sluice_role";

    /// <summary>A prefix the role claim's values carry and Sluice strips (e.g. <c>sluice.</c> for <c>sluice.writer</c>); values without it are ignored.</summary>
    public string RolePrefix { get; set; } = string.Empty;

    /// <summary>Whether the authority must be reached over HTTPS.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);
}
