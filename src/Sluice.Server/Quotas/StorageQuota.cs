using System.Globalization;
using Microsoft.Extensions.Options;
using Sluice.Core.Ports;
using Sluice.Server.Ingestion;

namespace Sluice.Server.Quotas;

/// <summary>
/// Storage caps per tenant (<see cref="TenantQuota.MaxStoredBytes"/>, <see cref="TenantQuota.MaxDocuments"/>), checked
/// before an upload is registered: the bytes it adds and the document it adds against what the tenant's live documents
/// hold (<see cref="IStatusStore.GetUsageAsync"/>). Uploads of the same tenant racing each other each see the usage
/// before the others, so together they may go over a cap by what they carry; the next upload sees the overshoot.
/// </summary>
public sealed class StorageQuota(IStatusStore statuses, IOptions<QuotaOptions> options)
{
    /// <summary>
    /// Before reading the body: <c>413</c> when the declared length alone is over the tenant's byte cap, beyond
    /// <paramref name="framing"/> (a multipart body's boundaries and headers). Null when it may fit.
    /// </summary>
    public IngestionOutcome.Rejected? CheckDeclared(string tenant, string name, long declaredBytes, long framing)
    {
        var limits = options.Value.For(tenant);
        return limits.MaxStoredBytes > 0 && declaredBytes > limits.MaxStoredBytes + framing
            ? LargerThanQuota(limits, name)
            : null;
    }

    /// <summary>
    /// Once the upload is staged (its size and document id known) and before it is registered: a rejection when it
    /// would take the tenant over a cap, null when it fits. An upload of a document the tenant already has adds
    /// nothing and always fits (it is answered <c>200</c> with that document, as without quotas).
    /// </summary>
    public async Task<IngestionOutcome.Rejected?> CheckAsync(string tenant, string documentId, string name, long size, CancellationToken cancellationToken)
    {
        var limits = options.Value.For(tenant);
        if (!limits.HasStorageLimits)
        {
            return null;
        }

        if (limits.MaxStoredBytes > 0 && size > limits.MaxStoredBytes)
        {
            return LargerThanQuota(limits, name);
        }

        if (await statuses.GetAsync(documentId, cancellationToken) is not null)
        {
            return null;
        }

        var usage = await statuses.GetUsageAsync(tenant, cancellationToken);
        if (limits.MaxDocuments > 0 && usage.Documents + 1 > limits.MaxDocuments)
        {
            return new IngestionOutcome.Rejected(StatusCodes.Status507InsufficientStorage, "Document quota reached", string.Create(CultureInfo.InvariantCulture,
                $"'{name}' was not accepted: tenant '{tenant}' has {usage.Documents:N0} documents, the most it may have is {limits.MaxDocuments:N0}. " +
                $"Delete documents, or raise {limits.SettingKey(nameof(TenantQuota.MaxDocuments))}."));
        }

        if (limits.MaxStoredBytes > 0 && usage.Bytes + size > limits.MaxStoredBytes)
        {
            return new IngestionOutcome.Rejected(StatusCodes.Status507InsufficientStorage, "Storage quota reached", string.Create(CultureInfo.InvariantCulture,
                $"'{name}' ({size:N0} bytes) was not accepted: tenant '{tenant}' stores {usage.Bytes:N0} of its {limits.MaxStoredBytes:N0} bytes. " +
                $"Delete documents, or raise {limits.SettingKey(nameof(TenantQuota.MaxStoredBytes))}."));
        }

        return null;
    }

    private static IngestionOutcome.Rejected LargerThanQuota(TenantLimits limits, string name)
        => new(StatusCodes.Status413PayloadTooLarge, "Upload larger than the storage quota", string.Create(CultureInfo.InvariantCulture,
            $"'{name}' is larger than tenant '{limits.Tenant}' may store in all ({limits.MaxStoredBytes:N0} bytes): it can never be accepted. " +
            $"Raise {limits.SettingKey(nameof(TenantQuota.MaxStoredBytes))}."));
}
