namespace Sluice.Embedded.Internal.Blobs;

/// <summary>
/// Removes the temporary files of large uploads (<c>ROOT/tmp/*.part</c>) that a crash left behind: once at
/// start-up and then every <c>interval</c>. A file goes once it has not been written to for <c>maxAge</c>; an
/// upload in progress writes to its file all the time (the server aborts one that stops sending), so however long
/// a multi-gigabyte upload streams, its file is never taken from under it.
/// </summary>
internal sealed class TempFileSweeper : IDisposable
{
    public const string Pattern = "*.part";

    private readonly string _directory;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private long _removed;

    public TempFileSweeper(string directory, TimeSpan maxAge, TimeSpan interval, TimeProvider time)
    {
        _directory = directory;
        _maxAge = maxAge;
        _time = time;
        SweepQuietly();
        _timer = time.CreateTimer(_ => SweepQuietly(), null, interval, interval);
    }

    /// <summary>Files removed so far.</summary>
    public long Removed => Interlocked.Read(ref _removed);

    /// <summary>Removes the temporary files last written before now minus the age; returns how many.</summary>
    public int Sweep()
    {
        var cutoff = (_time.GetUtcNow() - _maxAge).UtcDateTime;
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(_directory, Pattern))
        {
            try
            {
                var file = new FileInfo(path);
                if (file.Exists && file.LastWriteTimeUtc < cutoff)
                {
                    file.Delete();
                    removed++;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to delete: the next sweep looks again.
            }
        }

        Interlocked.Add(ref _removed, removed);
        return removed;
    }

    public void Dispose() => _timer.Dispose();

    private void SweepQuietly()
    {
        try
        {
            Sweep();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The directory is unreadable right now (or gone); the store reports its own errors on use.
        }
    }
}
