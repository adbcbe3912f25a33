namespace Sluice.Server.Tests;

/// <summary>A fresh directory for one test's data, removed when the test ends.</summary>
internal sealed class TestDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sluice-tests-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a closing store: the temporary directory is swept with the machine.
        }
    }
}
