namespace Sluice.Server.Quotas;

/// <summary>The limits that hold for one tenant: its override's settings, else the default's (see <see cref="QuotaOptions.For"/>).</summary>
/// <param name="Tenant">Whose limits these are.</param>
/// <param name="UploadsPerSecond">0: uploads are not rate limited.</param>
/// <param name="UploadBurst">Uploads that may start at once.</param>
/// <param name="SearchesPerSecond">0: searches are not rate limited.</param>
/// <param name="SearchBurst">Searches that may start at once.</param>
/// <param name="MaxStoredBytes">0: no limit on the bytes stored.</param>
/// <param name="MaxDocuments">0: no limit on the documents.</param>
/// <param name="Overridden">Whether the tenant has an override section of its own (so the setting to raise is named right).</param>
public sealed record TenantLimits(
    string Tenant,
    double UploadsPerSecond,
    int UploadBurst,
    double SearchesPerSecond,
    int SearchBurst,
    long MaxStoredBytes,
    long MaxDocuments,
    bool Overridden)
{
    /// <summary>Whether uploads need the tenant's usage (a storage cap is set).</summary>
    public bool HasStorageLimits => MaxStoredBytes > 0 || MaxDocuments > 0;

    /// <summary>The configuration key to change <paramref name="setting"/> for this tenant, e.g. <c>Sluice:Quotas:Tenants:acme:MaxDocuments</c>.</summary>
    public string SettingKey(string setting)
        => Overridden ? $"{QuotaOptions.Section}:Tenants:{Tenant}:{setting}" : $"{QuotaOptions.Section}:Default:{setting} (or {QuotaOptions.Section}:Tenants:{Tenant}:{setting} for this tenant alone)";
}
