using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Sluice.Kafka.Internal;

/// <summary>
/// Loads the librdkafka that ships with Confluent.Kafka, once per process, and points this assembly's own
/// P/Invoke declarations (the mock cluster API, which Confluent.Kafka does not wrap) at the very same file.
/// On glibc Linux the plain <c>librdkafka.so</c> of the package links <c>libsasl2.so.3</c>, which Debian does not
/// have; the package's <c>centos8-librdkafka.so</c> (OpenSSL and SASL linked statically) loads everywhere, so it
/// is tried when the plain one fails.
/// </summary>
internal static class NativeLibrdkafka
{
    public const string Name = "librdkafka";

    private static readonly Lock Gate = new();
    private static string? _loadedPath;
    private static IntPtr _handle;

    /// <summary>Loads librdkafka, once; call before creating any Kafka client.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loadedPath is not null)
            {
                return;
            }

            _loadedPath = string.Empty;
            foreach (var candidate in Candidates())
            {
                // dlopen first: a missing dependency fails here, with no side effect.
                if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out var handle))
                {
                    _loadedPath = candidate;
                    _handle = handle;
                    NativeLibrary.SetDllImportResolver(typeof(NativeLibrdkafka).Assembly, Resolve);
                    break;
                }
            }

            // Confluent.Kafka probes the same files in the same order (plain, then centos8), so both sides end up
            // on one library. (Confluent.Kafka's load-by-path needs libdl.so, which only a development package has.)
            if (!Library.IsLoaded)
            {
                Library.Load();
            }
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName == Name && _handle != IntPtr.Zero)
        {
            return _handle;
        }

        return IntPtr.Zero;
    }

    private static IEnumerable<string> Candidates()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            yield break;
        }

        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        yield return Path.Combine(native, "librdkafka.so");
        yield return Path.Combine(native, "centos8-librdkafka.so");
    }
}
