using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Sluice.Server.Security;

/// <summary>Configures the JWT scheme from <see cref="JwtOptions"/> and turns a validated token's claims into a <see cref="Caller"/>.</summary>
internal static class JwtCallerMapping
{
    public static void Configure(JwtBearerOptions bearer, JwtOptions jwt)
    {
        bearer.MapInboundClaims = false;
        bearer.Authority = string.IsNullOrWhiteSpace(jwt.Authority) ? null : jwt.Authority;
        bearer.Audience = jwt.Audience;
        bearer.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        bearer.TokenValidationParameters.ValidAudience = jwt.Audience;
        bearer.TokenValidationParameters.ValidateAudience = true;
        bearer.TokenValidationParameters.ValidateIssuer = true;
        bearer.TokenValidationParameters.ValidateLifetime = true;
        bearer.TokenValidationParameters.ClockSkew = TimeSpan.FromMinutes(1);
        if (!string.IsNullOrWhiteSpace(jwt.Issuer))
        {
            bearer.TokenValidationParameters.ValidIssuer = jwt.Issuer;
        }

        if (!string.IsNullOrWhiteSpace(jwt.SigningKey))
        {
            bearer.TokenValidationParameters.IssuerSigningKey = PublicKey(jwt.SigningKey);
        }

        bearer.Events = new JwtBearerEvents
        {
            OnTokenValidated = context =>
            {
                if (ToCaller(context.Principal!, jwt) is { } caller)
                {
                    // A principal of Sluice's claims only: the token's own claims (which may use the same names) never reach authorization.
                    var subject = context.Principal!.FindFirst("sub")?.Value;
                    context.Principal = new ClaimsPrincipal(new ClaimsIdentity(
                        [
                            new Claim(Caller.TenantClaim, caller.Tenant),
                            new Claim(Caller.RoleClaim, Roles.Name(caller.Role)),
                            .. subject is null ? Array.Empty<Claim>() : [new Claim("sub", subject)],
                        ],
                        SluiceAuthentication.JwtScheme));
                }
                else
                {
                    context.Fail(new JwtCallerException(
                        $"The token is valid but names no usable tenant ('{jwt.TenantClaim}': {Tenants.Rule}) or role ('{jwt.RoleClaim}': {jwt.RolePrefix}reader, writer or admin)."));
                }

                return Task.CompletedTask;
            },
        };
    }

    /// <summary>The caller a token's claims name: its tenant claim, and the highest role among its role claim's values.</summary>
    public static Caller? ToCaller(ClaimsPrincipal principal, JwtOptions jwt)
    {
        var tenant = principal.FindFirst(jwt.TenantClaim)?.Value;
        var roles = principal.FindAll(jwt.RoleClaim)
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(v => v.StartsWith(jwt.RolePrefix, StringComparison.Ordinal))
            .Select(v => Roles.TryParse(v[jwt.RolePrefix.Length..], out var role) ? role : (SluiceRole?)null)
            .Where(r => r is not null)
            .Select(r => r!.Value)
            .ToList();
        return Tenants.IsValid(tenant) && roles.Count > 0 ? new Caller(tenant!, roles.Max()) : null;
    }

    private static SecurityKey PublicKey(string pem)
    {
        if (TryEc(pem) is { } ec)
        {
            return ec;
        }

        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return new RsaSecurityKey(rsa);
    }

    private static ECDsaSecurityKey? TryEc(string pem)
    {
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return new ECDsaSecurityKey(ec);
        }
        catch (ArgumentException)
        {
            ec.Dispose();
            return null;
        }
        catch (CryptographicException)
        {
            ec.Dispose();
            return null;
        }
    }
}
