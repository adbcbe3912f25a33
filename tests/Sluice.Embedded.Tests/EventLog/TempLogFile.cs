namespace Sluice.Embedded.Tests.EventLog;

/// <summary>A log file in a fresh temporary directory, deleted with it.</summary>
internal sealed class TempLogFile : IDisposable
{
    public TempLogFile()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("sluice-eventlog-").FullName;
        Path = System.IO.Path.Combine(Directory, "events.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public SqliteEventLogOptions Options(Action<SqliteEventLogOptions>? configure = null)
    {
        var options = new SqliteEventLogOptions
        {
            Path = Path,
            PollInterval = TimeSpan.FromMilliseconds(20),
            SessionTimeout = TimeSpan.FromSeconds(60),
        };
        configure?.Invoke(options);
        return options;
    }

    public SqliteEventLog Open(Action<SqliteEventLogOptions>? configure = null, TimeProvider? time = null) =>
        new(Microsoft.Extensions.Options.Options.Create(Options(configure)), null, time);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open elsewhere stays in the temp directory.
        }
    }
}
