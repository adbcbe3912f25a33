using System.Text.RegularExpressions;

namespace Sluice.Server.Security;

/// <summary>Tenant names: 1-64 characters of a-z, 0-9, '-' or '_'; <c>default</c> when authentication is off.</summary>
public static partial class Tenants
{
    public const string Default = "default";

    public const string Rule = "1-64 characters of a-z, 0-9, '-' or '_'";

    public static bool IsValid(string? tenant) => tenant is not null && Pattern().IsMatch(tenant);

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex Pattern();
}
