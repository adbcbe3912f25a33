using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Sluice.Testing;

/// <summary>
/// A private PostgreSQL cluster for one test run (initdb into a temporary directory, a free loopback port, fsync off),
/// started once and shared; every test class takes a database of its own from <see cref="CreateDatabaseAsync"/>. With
/// <c>SLUICE_POSTGRES_CONNECTION</c> set (a superuser's connection string) the tests use that server instead. When
/// neither is possible, <see cref="SkipReason"/> says why and the tests skip.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string User = "sluice";
    private string? _directory;
    private string? _pgCtl;
    private int _databases;

    /// <summary>Why the tests cannot run here; null when the server is up.</summary>
    public string? SkipReason { get; private set; }

    /// <summary>A superuser's connection string to the server's <c>postgres</c> database.</summary>
    public string AdminConnectionString { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("SLUICE_POSTGRES_CONNECTION");
        if (!string.IsNullOrWhiteSpace(external))
        {
            AdminConnectionString = external;
        }
        else
        {
            await StartPrivateClusterAsync();
            if (SkipReason is not null)
            {
                return;
            }
        }

        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector')", connection);
        if (!(bool)(await command.ExecuteScalarAsync())!)
        {
            SkipReason = "pgvector is not installed in this PostgreSQL (run scripts/install-pgvector.sh as root).";
        }
    }

    /// <summary>Skips the calling test when there is no server.</summary>
    public void SkipIfUnavailable() => Assert.SkipWhen(SkipReason is not null, SkipReason ?? string.Empty);

    /// <summary>A new empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        SkipIfUnavailable();
        name ??= $"sluice_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_pgCtl is not null && _directory is not null)
        {
            await RunAsync(_pgCtl, ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
        }

        if (_directory is not null)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a dying server: the temporary directory is swept with the machine.
            }
        }
    }

    private async Task StartPrivateClusterAsync()
    {
        var bin = FindBinDirectory();
        if (bin is null)
        {
            SkipReason = "PostgreSQL is not installed (apt-get install postgresql-15; scripts/install-pgvector.sh installs both).";
            return;
        }

        _directory = Directory.CreateTempSubdirectory("sluice-pg-").FullName;
        var data = Path.Combine(_directory, "data");
        if (Environment.UserName == "root")
        {
            // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
            await RunAsync("chown", ["postgres:postgres", _directory]);
        }

        var port = FreePort();
        var initdb = await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", User, "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C"]);
        if (initdb.ExitCode != 0)
        {
            SkipReason = $"initdb failed: {initdb.Output.Trim()}";
            return;
        }

        _pgCtl = Path.Combine(bin, "pg_ctl");
        var options = $"-p {port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                      + "-c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB";
        var start = await RunAsync(_pgCtl, ["-D", data, "-o", options, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "start"]);
        if (start.ExitCode != 0)
        {
            SkipReason = $"PostgreSQL did not start: {start.Output.Trim()}";
            _pgCtl = null;
            return;
        }

        AdminConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = User,
            Database = "postgres",
            Pooling = true,
        }.ConnectionString;
    }

    private static string? FindBinDirectory()
    {
        var root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a PostgreSQL program, as the postgres user when this process is root.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var asPostgres = Environment.UserName == "root" && program != "chown";
        var start = new ProcessStartInfo(asPostgres ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
