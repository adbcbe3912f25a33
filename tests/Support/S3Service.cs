using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;

using Sluice.S3;

namespace Sluice.Testing;

/// <summary>
/// The S3 service the whole test run shares, set up once: the one <c>SLUICE_S3_SERVICE_URL</c> (with
/// <c>SLUICE_S3_ACCESS_KEY</c>, <c>SLUICE_S3_SECRET_KEY</c>, <c>SLUICE_S3_REGION</c>) names, or else a throw-away Ceph
/// RGW started by <c>scripts/ceph-rgw.sh</c> in a temporary directory and stopped at the end. The run gets a bucket of
/// its own and each test a prefix of its own. When there is no service, tests that need one skip with the reason.
/// </summary>
public sealed class S3Service : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private string? _clusterDirectory;
    private string? _script;

    /// <summary>Why there is no service; null when there is one.</summary>
    public string? Unavailable { get; private set; }

    public string ServiceUrl { get; private set; } = "";

    public string AccessKey { get; private set; } = "";

    public string SecretKey { get; private set; } = "";

    public string Region { get; private set; } = "us-east-1";

    /// <summary>This run's bucket.</summary>
    public string Bucket { get; } = $"sluice-tests-{Guid.NewGuid():N}"[..28];

    /// <summary>How long the local RGW took to answer, when one was started.</summary>
    public TimeSpan? StartedIn { get; private set; }

    /// <summary>Skips the calling test when there is no S3 service.</summary>
    public void Require() => Assert.SkipWhen(Unavailable is not null, Unavailable ?? "");

    /// <summary>Options for a store on this run's bucket under <paramref name="prefix"/>.</summary>
    public S3BlobStoreOptions Options(string prefix, string? tempDirectory = null, string? bucket = null) => new()
    {
        ServiceUrl = ServiceUrl,
        Region = Region,
        Bucket = bucket ?? Bucket,
        Prefix = prefix,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
        TempDirectory = tempDirectory,
        PartSize = S3BlobStoreOptions.MinPartSize,
    };

    public S3BlobStore Store(string prefix, string? tempDirectory = null, string? bucket = null)
        => new(Microsoft.Extensions.Options.Options.Create(Options(prefix, tempDirectory, bucket)));

    /// <summary>A raw client on the service, to look behind a store's back.</summary>
    public AmazonS3Client Client() => Sluice.S3.Internal.S3Clients.Create(Options(""));

    public async ValueTask InitializeAsync()
    {
        var url = Environment.GetEnvironmentVariable("SLUICE_S3_SERVICE_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            ServiceUrl = url;
            AccessKey = Environment.GetEnvironmentVariable("SLUICE_S3_ACCESS_KEY") ?? "";
            SecretKey = Environment.GetEnvironmentVariable("SLUICE_S3_SECRET_KEY") ?? "";
            Region = Environment.GetEnvironmentVariable("SLUICE_S3_REGION") is { Length: > 0 } region ? region : Region;
        }
        else if (!await StartRgwAsync())
        {
            return;
        }

        try
        {
            using var client = Client();
            await client.PutBucketAsync(new PutBucketRequest { BucketName = Bucket });
        }
        catch (Exception e)
        {
            // Missing credentials, a refused connection, an error status: whatever it is, the tests skip and say it.
            Unavailable = $"The S3 service at {ServiceUrl} did not create bucket {Bucket}: {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}";
        }
    }

    /// <summary>Starts a local RGW; false (with <see cref="Unavailable"/> set) when it cannot.</summary>
    private async Task<bool> StartRgwAsync()
    {
        _script = FindScript();
        if (_script is null)
        {
            Unavailable = "scripts/ceph-rgw.sh was not found above the test directory, and SLUICE_S3_SERVICE_URL is not set.";
            return false;
        }

        if (!OperatingSystem.IsLinux() || !new[] { "ceph-mon", "ceph-osd", "radosgw", "radosgw-admin" }.All(OnPath))
        {
            Unavailable = "Ceph RGW is not installed (scripts/ceph-rgw.sh install) and SLUICE_S3_SERVICE_URL is not set: no S3 service to test against.";
            return false;
        }

        _clusterDirectory = Path.Combine(Path.GetTempPath(), $"sluice-rgw-{Guid.NewGuid():N}");
        var clock = Stopwatch.StartNew();
        var (exit, output) = await RunScriptAsync("start", StartTimeout);
        if (exit != 0)
        {
            Unavailable = $"Ceph RGW did not start (scripts/ceph-rgw.sh start exited {exit}): {Tail(output)}";
            return false;
        }

        StartedIn = clock.Elapsed;
        var settings = File.ReadAllLines(Path.Combine(_clusterDirectory, "s3.env"))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);
        ServiceUrl = settings["SLUICE_S3_SERVICE_URL"];
        AccessKey = settings["SLUICE_S3_ACCESS_KEY"];
        SecretKey = settings["SLUICE_S3_SECRET_KEY"];
        Region = settings["SLUICE_S3_REGION"];
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_clusterDirectory is null)
        {
            await EmptyBucketAsync();
            return;
        }

        await RunScriptAsync("stop", TimeSpan.FromSeconds(60));
        try
        {
            Directory.Delete(_clusterDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A daemon that outlived stop may still hold a file; the directory is under the temporary directory.
        }
    }

    /// <summary>On an external service, removes what this run wrote.</summary>
    private async Task EmptyBucketAsync()
    {
        if (Unavailable is not null)
        {
            return;
        }

        using var client = Client();
        var request = new ListObjectsV2Request { BucketName = Bucket };
        ListObjectsV2Response page;
        do
        {
            page = await client.ListObjectsV2Async(request);
            foreach (var o in page.S3Objects ?? [])
            {
                await client.DeleteObjectAsync(Bucket, o.Key);
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        await client.DeleteBucketAsync(Bucket);
    }

    private async Task<(int Exit, string Output)> RunScriptAsync(string command, TimeSpan timeout)
    {
        // Started with this process as its owner, the cluster stops by itself if the test run is killed.
        string[] arguments = command == "start"
            ? [_script!, command, _clusterDirectory!, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            : [_script!, command, _clusterDirectory!];
        var start = new ProcessStartInfo("bash", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            if (command == "start")
            {
                // Whatever came up before the deadline goes down again.
                await RunScriptAsync("stop", TimeSpan.FromSeconds(60));
            }

            return (-1, $"timed out after {timeout.TotalSeconds:0} s. {await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Tail(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.TakeLast(12));
    }

    private static bool OnPath(string program)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, program)));

    private static string? FindScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var script = Path.Combine(directory.FullName, "scripts", "ceph-rgw.sh");
            if (File.Exists(script))
            {
                return script;
            }
        }

        return null;
    }
}
