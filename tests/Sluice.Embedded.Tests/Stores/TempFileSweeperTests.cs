using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Sluice.Embedded.Internal.Blobs;
using Sluice.Embedded.Tests.EventLog;

namespace Sluice.Embedded.Tests.Stores;

/// <summary>Temporary upload files a crash left behind are removed; files of uploads in progress never are.</summary>
public sealed class TempFileSweeperTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "sluice-blobs", Guid.NewGuid().ToString("N"));

    private string Temp => Path.Combine(_root, "tmp");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TheStore_OnStart_RemovesTemporaryFilesLeftByACrash_AndKeepsRecentOnesAndOtherFiles()
    {
        Directory.CreateDirectory(Temp);
        var abandoned = TempFile("abandoned.part", DateTime.UtcNow - TimeSpan.FromHours(2));
        var recent = TempFile("recent.part", DateTime.UtcNow - TimeSpan.FromMinutes(5));
        var other = TempFile("notes.txt", DateTime.UtcNow - TimeSpan.FromDays(2));

        using var store = new FileBlobStore(Options.Create(new FileBlobStoreOptions { Root = _root }));

        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(recent));
        Assert.True(File.Exists(other));
    }

    [Fact]
    public void AFile_GoesOnlyOnceItHasNotBeenWrittenToForTheAge()
    {
        Directory.CreateDirectory(Temp);
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var file = TempFile("upload.part", clock.GetUtcNow().UtcDateTime);
        using var sweeper = new TempFileSweeper(Temp, TimeSpan.FromHours(1), TimeSpan.FromHours(1), clock);

        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal(0, sweeper.Sweep());

        // Still being written (a long upload): its last write time moves on with it.
        File.AppendAllText(file, "more");
        File.SetLastWriteTimeUtc(file, clock.GetUtcNow().UtcDateTime);
        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal(0, sweeper.Sweep());
        Assert.True(File.Exists(file));

        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(1, sweeper.Sweep());
        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task ALargeUploadInProgress_IsNotTouched_AndFilesAbandonedLater_AreRemovedByTheNextPeriodicSweep()
    {
        using var store = new FileBlobStore(Options.Create(new FileBlobStoreOptions
        {
            Root = _root,
            TempFileMaxAge = TimeSpan.FromSeconds(1),
            TempFileSweepInterval = TimeSpan.FromMilliseconds(20),
        }));
        var abandoned = TempFile("abandoned.part", DateTime.UtcNow - TimeSpan.FromMinutes(5));

        // An upload that streams through tmp/ for twice the age, while sweeps run every 20 ms: it is written to all
        // along, so it is never taken for abandoned.
        var bytes = RandomNumberGenerator.GetBytes(40 * 64 * 1024);
        var started = DateTime.UtcNow;
        var reference = await store.PutAsync(new SlowStream(bytes, chunk: 64 * 1024, delay: TimeSpan.FromMilliseconds(50)), "application/pdf", cancellationToken: Ct);
        Assert.True(DateTime.UtcNow - started > TimeSpan.FromSeconds(1.5), "the upload should have lasted longer than the age");
        Assert.True(await store.ExistsAsync(reference, Ct));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (File.Exists(abandoned))
        {
            Assert.True(DateTime.UtcNow < deadline, "the periodic sweep should have removed the abandoned file");
            await Task.Delay(20, Ct);
        }
    }

    private string TempFile(string name, DateTime lastWriteUtc)
    {
        var path = Path.Combine(Temp, name);
        File.WriteAllText(path, "partial upload");
        File.SetLastWriteTimeUtc(path, lastWriteUtc);
        return path;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>Hands out its bytes a chunk at a time with a pause before each, like a client on a slow link.</summary>
    private sealed class SlowStream(byte[] bytes, int chunk, TimeSpan delay) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => bytes.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Delay(delay, cancellationToken);
            var count = Math.Min(Math.Min(chunk, buffer.Length), bytes.Length - _position);
            bytes.AsMemory(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
