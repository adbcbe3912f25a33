using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sluice.Processing.Internal.Extraction.Isolation;

/// <summary>
/// Finds the program to start as an extractor child. By default that is <c>sluice-extractor.dll</c> beside the
/// application: Sluice.Server references the Sluice.Extractor project, and the SDK copies a referenced program
/// (with its runtimeconfig and deps files) into the output of everything that references it, so it is there
/// for <c>dotnet run</c>, the built and the published <c>sluice</c>, test hosts and library users alike, with
/// no need to know which program is running. It is run with the same <c>dotnet</c> host and runtime as this
/// process.
/// </summary>
internal static class ExtractorLauncher
{
    public const string DefaultProgram = "sluice-extractor.dll";

    /// <summary>How to start a child, or null when there is no extractor program to start.</summary>
    /// <exception cref="InvalidOperationException">An explicitly configured program does not exist.</exception>
    public static ProcessStartInfo? Locate(ExtractionOptions options)
    {
        var configured = !string.IsNullOrWhiteSpace(options.ChildPath);
        var path = configured ? Path.GetFullPath(options.ChildPath!) : Path.Combine(AppContext.BaseDirectory, DefaultProgram);
        if (!File.Exists(path))
        {
            return configured
                ? throw new InvalidOperationException($"{ExtractionErrors.Setting(nameof(ExtractionOptions.ChildPath))} names a program that does not exist: {path}")
                : null;
        }

        if (!path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return new ProcessStartInfo(path);
        }

        if (DotnetHost() is not { } host)
        {
            return null;
        }

        var info = new ProcessStartInfo(host);
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(path);
        return info;
    }

    /// <summary>
    /// The <c>dotnet</c> host of the runtime this process runs on: this process itself when started as
    /// <c>dotnet app.dll</c>, else the one three levels above the runtime's directory
    /// (<c>DOTNET_ROOT/shared/Microsoft.NETCore.App/VERSION/</c>), where an apphost found the runtime too.
    /// </summary>
    private static string? DotnetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && Path.GetFileName(self).Equals(name, StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var candidate = Path.Combine(root, name);
        return File.Exists(candidate) ? candidate : null;
    }
}
