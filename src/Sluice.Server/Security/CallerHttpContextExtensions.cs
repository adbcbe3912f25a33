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
        return Caller.From(context.User)
            ?? throw new InvalidOperationException("The route has no authorization policy: every API route group requires one (SluiceAuthentication.Policy).");
    }
}
