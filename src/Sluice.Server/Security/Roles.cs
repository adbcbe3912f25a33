namespace Sluice.Server.Security;

/// <summary>Role names as they are written in keys, tokens and configuration: <c>reader</c>, <c>writer</c>, <c>admin</c>.</summary>
public static class Roles
{
    public const string Reader = "reader";
    public const string Writer = "writer";
    public const string Admin = "admin";

    public static string Name(SluiceRole role) => role switch
    {
        SluiceRole.Reader => Reader,
        SluiceRole.Writer => Writer,
        SluiceRole.Admin => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown role."),
    };

    public static bool TryParse(string? name, out SluiceRole role)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case Reader:
                role = SluiceRole.Reader;
                return true;
            case Writer:
                role = SluiceRole.Writer;
                return true;
            case Admin:
                role = SluiceRole.Admin;
                return true;
            default:
                role = default;
                return false;
        }
    }
}
