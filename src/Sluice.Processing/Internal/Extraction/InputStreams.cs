namespace Sluice.Processing.Internal.Extraction;

/// <summary>Getting upload bytes into the shape a parser needs.</summary>
internal static class InputStreams
{
    private const int BufferSize = 81920;

    /// <summary>
    /// Copies <paramref name="content"/> to a temporary file that is deleted when the returned stream is disposed,
    /// for parsers that need random access. The content is never held in memory whole.
    /// </summary>
    public static Task<FileStream> SpoolAsync(Stream content, CancellationToken cancellationToken = default)
        => SpoolAsync(content, FileShare.None, cancellationToken);

    /// <summary>
    /// Copies <paramref name="content"/> to a temporary file that is deleted when the returned stream is disposed;
    /// <paramref name="share"/> says whether others (an extractor child) may open it meanwhile. Only this
    /// user may read it.
    /// </summary>
    public static async Task<FileStream> SpoolAsync(Stream content, FileShare share, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Path.GetTempPath(), "sluice-extract-" + Guid.NewGuid().ToString("N") + ".tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = share,
            BufferSize = BufferSize,
            Options = FileOptions.DeleteOnClose | FileOptions.Asynchronous,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var file = new FileStream(path, options);
        try
        {
            await content.CopyToAsync(file, BufferSize, cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads all of <paramref name="content"/>, refusing more than <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]> ReadBoundedAsync(Stream content, long maxBytes, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[BufferSize];
        int read;
        while ((read = await content.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw ExtractionErrors.InputTooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
