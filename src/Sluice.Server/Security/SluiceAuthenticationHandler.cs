using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Sluice.Server.Security;

/// <summary>
/// Authenticates a request by its <c>Authorization: Bearer</c> credentials: an API key (<c>sk_…</c>) checked against the
/// key store, or a token handed to the JWT scheme. Without credentials, and while no key exists and no token issuer is
/// configured, the caller is the <c>default</c> tenant's admin: the open mode of a fresh install, served to loopback
/// only unless <see cref="AuthOptions.AllowAnonymous"/>. A failure answers 401 with a problem that says why.
/// </summary>
public sealed class SluiceAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemes,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    ApiKeys keys,
    IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemes, loggers, encoder)
{
    private const string FailureItem = "sluice.auth.failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return await OpenAsync();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Failed("Only bearer credentials are accepted: send 'Authorization: Bearer <API key or token>'.");
        }

        var token = header["Bearer ".Length..].Trim();
        if (ApiKeyText.LooksLikeKey(token))
        {
            return await keys.CheckAsync(token, Context.RequestAborted) switch
            {
                KeyCheck.Valid valid => Success(valid.Caller, new Claim(SluiceAuthentication.KeyIdClaim, valid.KeyId)),
                KeyCheck.Invalid invalid => Failed(invalid.Reason),
                _ => throw new InvalidOperationException("Unknown key check."),
            };
        }

        if (!auth.Value.Jwt.IsConfigured)
        {
            return Failed("The bearer credentials are not a Sluice API key (sk_…), and this server accepts no tokens (Sluice:Auth:Jwt is not configured).");
        }

        var result = await Context.AuthenticateAsync(SluiceAuthentication.JwtScheme);
        if (result.Succeeded && Caller.From(result.Principal) is not null)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(result.Principal, Scheme.Name));
        }

        return Failed(result.Failure is JwtCallerException caller ? caller.Message : "The token is not valid (signature, issuer, audience or lifetime).");
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = Context.Items[FailureItem] as string
            ?? "This server requires authentication: send 'Authorization: Bearer <API key or token>' (create a key with 'sluice keys create').";
        await Results.Problem(statusCode: 401, title: "Not authenticated", detail: detail).ExecuteAsync(Context);
    }

    private async Task<AuthenticateResult> OpenAsync()
    {
        if (auth.Value.Jwt.IsConfigured || await keys.AnyAsync(Context.RequestAborted))
        {
            return AuthenticateResult.NoResult();
        }

        // Open mode: only for callers on this machine, unless the operator allowed anyone. (An in-memory test server has no address.)
        var remote = Context.Connection.RemoteIpAddress;
        if (!auth.Value.AllowAnonymous && remote is not null && !IPAddress.IsLoopback(remote))
        {
            return Failed("This server has no API keys yet and serves unauthenticated callers on loopback only: create a key with 'sluice keys create'.");
        }

        return Success(new Caller(Tenants.Default, SluiceRole.Admin));
    }

    private AuthenticateResult Success(Caller caller, params Claim[] extra)
    {
        var identity = new ClaimsIdentity(
            [new Claim(Caller.TenantClaim, caller.Tenant), new Claim(Caller.RoleClaim, Roles.Name(caller.Role)), .. extra], Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    private AuthenticateResult Failed(string reason)
    {
        Context.Items[FailureItem] = reason;
        return AuthenticateResult.Fail(reason);
    }
}

/// <summary>A valid token that does not name a tenant and a role Sluice can use.</summary>
public sealed class JwtCallerException(string message) : Exception(message);
