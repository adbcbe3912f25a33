using System.IO.Compression;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// Vets a DOCX's zip container before any parser touches it: the declared sizes must stay within the
/// inflation limit and plausible compression ratios, and then every entry is actually inflated (and
/// discarded) while counting, because declared sizes can lie.
/// </summary>
internal static class ZipBombGuard
{
    private const int MaxEntries = 10_000;
    private const long RatioCheckThreshold = 1024 * 1024;

    public static void Check(Stream zipFile, long maxInflatedBytes, int maxCompressionRatio, CancellationToken cancellationToken = default)
    {
        zipFile.Position = 0;
        using (var zip = OpenArchive(zipFile))
        {
            CheckDeclaredSizes(zip, maxInflatedBytes, maxCompressionRatio);
            CheckActualSizes(zip, maxInflatedBytes, cancellationToken);
        }

        zipFile.Position = 0;
    }

    private static ZipArchive OpenArchive(Stream zipFile)
    {
        try
        {
            var zip = new ZipArchive(zipFile, ZipArchiveMode.Read, leaveOpen: true);
            if (zip.Entries.Count > MaxEntries)
            {
                zip.Dispose();
                throw ExtractionErrors.NotDocx($"it has more than {MaxEntries} parts");
            }

            return zip;
        }
        catch (InvalidDataException ex)
        {
            throw ExtractionErrors.NotDocx("it is not a zip archive", ex);
        }
    }

    private static void CheckDeclaredSizes(ZipArchive zip, long maxInflatedBytes, int maxCompressionRatio)
    {
        long declared = 0;
        foreach (var entry in zip.Entries)
        {
            declared += entry.Length;
            if (declared > maxInflatedBytes)
            {
                throw ExtractionErrors.DocxTooLarge(maxInflatedBytes);
            }

            if (entry.Length > RatioCheckThreshold && entry.Length > (long)maxCompressionRatio * Math.Max(1, entry.CompressedLength))
            {
                throw ExtractionErrors.DocxCompressionRatio(maxCompressionRatio);
            }
        }
    }

    private static void CheckActualSizes(ZipArchive zip, long maxInflatedBytes, CancellationToken cancellationToken)
    {
        var remaining = maxInflatedBytes;
        foreach (var entry in zip.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var inflated = new LimitedReadStream(entry.Open(), remaining, maxInflatedBytes);
                inflated.CopyTo(Stream.Null);
                remaining -= inflated.BytesRead;
            }
            catch (InvalidDataException ex)
            {
                throw ExtractionErrors.NotDocx($"the part '{entry.FullName}' is corrupt", ex);
            }
        }
    }
}
