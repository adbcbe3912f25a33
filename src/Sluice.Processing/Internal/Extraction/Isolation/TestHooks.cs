using System.Runtime.CompilerServices;
using System.Text;

namespace Sluice.Processing.Internal.Extraction.Isolation;

/// <summary>
/// Misbehaviour on demand, so tests can prove that a hanging, memory-hungry or stack-overflowing parser ends
/// only its child process. Active only in a child started with <see cref="EnvironmentVariable"/> set to
/// <c>1</c> (nothing in Sluice sets it), and then only for a document that starts with <see cref="Marker"/>
/// followed by <c>hang</c>, <c>allocate</c> or <c>stack-overflow</c>.
/// </summary>
internal static class TestHooks
{
    public const string EnvironmentVariable = "SLUICE_EXTRACTOR_TEST_HOOKS";

    public const string Marker = "SLUICE-TEST-HOOK:";

    public static bool Enabled => Environment.GetEnvironmentVariable(EnvironmentVariable) == "1";

    /// <summary>Misbehaves as the document at <paramref name="path"/> asks, if it asks; returns otherwise.</summary>
    public static void Apply(string path)
    {
        var head = new byte[64];
        int read;
        using (var file = File.OpenRead(path))
        {
            read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        var text = Encoding.ASCII.GetString(head, 0, read);
        if (!text.StartsWith(Marker, StringComparison.Ordinal))
        {
            return;
        }

        var action = text[Marker.Length..].Split(['\n', '\r', ' '], 2)[0];
        switch (action)
        {
            case "hang":
                Thread.Sleep(Timeout.Infinite);
                break;
            case "allocate":
                Allocate();
                break;
            case "stack-overflow":
                Recurse(0);
                break;
        }
    }

    private static void Allocate()
    {
        var hoard = new List<byte[]>();
        while (true)
        {
            var block = new byte[1024 * 1024];
            block.AsSpan().Fill(1);
            hoard.Add(block);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Recurse(int depth)
    {
        Span<byte> frame = stackalloc byte[256];
        frame[depth % 256] = 1;
        return Recurse(depth + 1) + frame[0];
    }
}
