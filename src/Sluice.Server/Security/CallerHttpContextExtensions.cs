namespace Sluice.Server.Security;

public static class CallerHttpContextExtensions
{
    /// <summary>
    /// The request's caller. Every API route requires an authenticated caller (by its group's policy), so a handler
    /// can rely on it.
    /// </summary>
    public static Caller GetCaller(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Caller.From(context.User) is { } caller)
        {
            return caller;
        }

        // Until authentication is wired: the tenant header, as before, with every right.
        var header = context.Request.Headers["X-Sluice-Tenant"].ToString();
        return new Caller(string.IsNullOrEmpty(header) ? Tenants.Default : header, SluiceRole.Admin);
    }
}
