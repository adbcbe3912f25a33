using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Quotas;

/// <summary>
/// The <c>Sluice:Quotas</c> section: rate limits on uploads and searches and storage caps, per tenant. Everything is
/// off by default: a single local user (the embedded defaults) is its own operator and must never be throttled by a
/// limit it did not ask for, and a shared deployment sets the limits that fit its tenants and hardware.
/// </summary>
public sealed class QuotaOptions : IValidatableObject
{
    public const string Section = "Sluice:Quotas";

    /// <summary>The limits of every tenant without an override (and of the settings an override leaves out).</summary>
    public TenantQuota Default { get; set; } = new();

    /// <summary>Overrides by tenant name (<c>Sluice:Quotas:Tenants:acme:MaxDocuments</c>); a setting left out is the default's.</summary>
    public Dictionary<string, TenantQuota> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The limits that hold for <paramref name="tenant"/>.</summary>
    public TenantLimits For(string tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var own = Tenants.GetValueOrDefault(tenant);
        var uploads = own?.UploadsPerSecond ?? Default.UploadsPerSecond ?? 0;
        var searches = own?.SearchesPerSecond ?? Default.SearchesPerSecond ?? 0;
        return new TenantLimits(
            tenant,
            uploads,
            own?.UploadBurst ?? Default.UploadBurst ?? OneSecond(uploads),
            searches,
            own?.SearchBurst ?? Default.SearchBurst ?? OneSecond(searches),
            own?.MaxStoredBytes ?? Default.MaxStoredBytes ?? 0,
            own?.MaxDocuments ?? Default.MaxDocuments ?? 0,
            own is not null);
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in ValidateQuota(Default, $"{nameof(Default)}"))
        {
            yield return result;
        }

        foreach (var (tenant, quota) in Tenants)
        {
            if (!Security.Tenants.IsValid(tenant))
            {
                yield return new ValidationResult(
                    $"{Section}:Tenants:{tenant} names no valid tenant: tenant names are {Security.Tenants.Rule}.", [nameof(Tenants)]);
            }

            foreach (var result in ValidateQuota(quota ?? new TenantQuota(), $"{nameof(Tenants)}:{tenant}"))
            {
                yield return result;
            }
        }
    }

    private static IEnumerable<ValidationResult> ValidateQuota(TenantQuota quota, string path)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(quota, new ValidationContext(quota), results, validateAllProperties: true);
        return results.Select(r => new ValidationResult($"{Section}:{path}: {r.ErrorMessage}", [.. r.MemberNames.Select(m => $"{path}:{m}")]));
    }

    private static int OneSecond(double perSecond) => (int)Math.Clamp(Math.Ceiling(perSecond), 1, int.MaxValue);
}
