using System.ComponentModel.DataAnnotations;

namespace Sluice.Server.Quotas;

/// <summary>
/// One set of limits: <see cref="QuotaOptions.Default"/>, or a tenant's override in <see cref="QuotaOptions.Tenants"/>
/// where every setting left out is the default's. A rate of 0 and a storage cap of 0 mean no limit.
/// </summary>
public sealed class TenantQuota
{
    /// <summary>Uploads (<c>POST /v1/documents</c>) a tenant may start per second, on average; 0: no limit.</summary>
    [Range(0, 1_000_000)]
    public double? UploadsPerSecond { get; set; }

    /// <summary>Uploads a tenant may start at once before the rate applies; unset: one second's worth (at least 1).</summary>
    [Range(1, 1_000_000)]
    public int? UploadBurst { get; set; }

    /// <summary>Searches (<c>GET /v1/search</c>) a tenant may start per second, on average; 0: no limit.</summary>
    [Range(0, 1_000_000)]
    public double? SearchesPerSecond { get; set; }

    /// <summary>Searches a tenant may start at once before the rate applies; unset: one second's worth (at least 1).</summary>
    [Range(1, 1_000_000)]
    public int? SearchBurst { get; set; }

    /// <summary>The most bytes of uploads a tenant's live documents may hold together; 0: no limit.</summary>
    [Range(0, long.MaxValue)]
    public long? MaxStoredBytes { get; set; }

    /// <summary>The most live documents a tenant may have; 0: no limit.</summary>
    [Range(0, long.MaxValue)]
    public long? MaxDocuments { get; set; }
}
