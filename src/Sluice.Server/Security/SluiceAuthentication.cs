namespace Sluice.Server.Security;

/// <summary>The authentication schemes and authorization policies of the API.</summary>
public static class SluiceAuthentication
{
    /// <summary>The default scheme: API keys, tokens (handed to <see cref="JwtScheme"/>), or open access when nothing is configured.</summary>
    public const string Scheme = "Sluice";

    /// <summary>JSON Web Tokens from an OpenID Connect provider.</summary>
    public const string JwtScheme = "Jwt";

    /// <summary>The claim that names the API key a caller used.</summary>
    public const string KeyIdClaim = "sluice_key";

    /// <summary>The policy that lets a role (or a higher one) through: <c>sluice:reader</c>, <c>sluice:writer</c>, <c>sluice:admin</c>.</summary>
    public static string Policy(SluiceRole role) => "sluice:" + Roles.Name(role);
}
