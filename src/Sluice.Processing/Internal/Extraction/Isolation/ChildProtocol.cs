using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Core.Events;

namespace Sluice.Processing.Internal.Extraction.Isolation;

/// <summary>A document for the child: the file it reads (written by the parent), its format and the limits to apply.</summary>
internal sealed record ChildRequest(string Path, string Format, ExtractionOptions Limits);

/// <summary>
/// The child's answer. <see cref="Reason"/> set: the document cannot be extracted (an <see cref="ExtractionException"/>).
/// <see cref="UnexpectedType"/> set: something else went wrong (an I/O error, a parser bug), reported as the
/// in-process extractor would have thrown it. Otherwise <see cref="TextLength"/> UTF-16 code units of text follow.
/// </summary>
internal sealed record ChildResponse(int TextLength, int[]? PageStarts, string? Reason, string? UnexpectedType, string? UnexpectedMessage);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ChildRequest))]
[JsonSerializable(typeof(ChildResponse))]
internal sealed partial class ChildProtocolJson : JsonSerializerContext;

/// <summary>
/// The pipe protocol between the parent and an extractor child, one exchange at a time. A request is a
/// length-prefixed JSON frame; a response is a length-prefixed JSON frame followed by the text as raw UTF-16
/// (exactly the string the in-process extractor returns, lone surrogates included, with no encoding pass).
/// </summary>
internal static class ChildProtocol
{
    /// <summary>Largest JSON frame accepted; requests and response headers are small, anything larger is a broken stream.</summary>
    private const int MaxFrameBytes = 16 * 1024 * 1024;

    /// <summary>What a child writes first, once it is up: the protocol's name and version.</summary>
    private static readonly byte[] Ready = "SLX1"u8.ToArray();

    public static async Task WriteReadyAsync(Stream output, CancellationToken cancellationToken)
    {
        await output.WriteAsync(Ready, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    /// <summary>Whether the child announced itself with this protocol (false: it ended, or speaks another).</summary>
    public static async Task<bool> ReadReadyAsync(Stream input, CancellationToken cancellationToken)
    {
        var greeting = new byte[Ready.Length];
        return await ReadExactlyOrEndAsync(input, greeting, cancellationToken) && greeting.AsSpan().SequenceEqual(Ready);
    }

    public static Task WriteRequestAsync(Stream output, ChildRequest request, CancellationToken cancellationToken)
        => WriteFrameAsync(output, JsonSerializer.SerializeToUtf8Bytes(request, ChildProtocolJson.Default.ChildRequest), cancellationToken);

    /// <summary>The next request, or null when the parent closed the pipe (the child's signal to exit).</summary>
    public static async Task<ChildRequest?> ReadRequestAsync(Stream input, CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(input, cancellationToken);
        return frame is null ? null : JsonSerializer.Deserialize(frame, ChildProtocolJson.Default.ChildRequest);
    }

    public static async Task WriteResponseAsync(Stream output, ChildResponse response, string? text, CancellationToken cancellationToken)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(response, ChildProtocolJson.Default.ChildResponse);
        await WriteFrameAsync(output, header, cancellationToken, flush: text is null);
        if (text is not null)
        {
            WriteText(output, text);
            await output.FlushAsync(cancellationToken);
        }
    }

    /// <summary>The response and its text; null when the child closed the pipe (it died).</summary>
    public static async Task<(ChildResponse Response, string? Text)?> ReadResponseAsync(Stream input, CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(input, cancellationToken);
        if (frame is null)
        {
            return null;
        }

        var response = JsonSerializer.Deserialize(frame, ChildProtocolJson.Default.ChildResponse)
                       ?? throw new InvalidDataException("The extractor process sent an empty response.");
        if (response.Reason is not null || response.UnexpectedType is not null)
        {
            return (response, null);
        }

        var bytes = new byte[checked(response.TextLength * 2)];
        if (!await ReadExactlyOrEndAsync(input, bytes, cancellationToken))
        {
            return null;
        }

        return (response, new string(MemoryMarshal.Cast<byte, char>(bytes)));
    }

    public static int[] Flatten(IReadOnlyList<PageStart> pages)
    {
        var flat = new int[pages.Count * 2];
        for (var i = 0; i < pages.Count; i++)
        {
            flat[2 * i] = pages[i].Page;
            flat[(2 * i) + 1] = pages[i].Offset;
        }

        return flat;
    }

    public static List<PageStart> Unflatten(int[] flat)
    {
        var pages = new List<PageStart>(flat.Length / 2);
        for (var i = 0; i + 1 < flat.Length; i += 2)
        {
            pages.Add(new PageStart(flat[i], flat[i + 1]));
        }

        return pages;
    }

    /// <summary>The text's UTF-16 code units as they are in memory, without a copy.</summary>
    private static void WriteText(Stream output, string text) => output.Write(MemoryMarshal.AsBytes(text.AsSpan()));

    private static async Task WriteFrameAsync(Stream output, byte[] payload, CancellationToken cancellationToken, bool flush = true)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(prefix, payload.Length);
        await output.WriteAsync(prefix, cancellationToken);
        await output.WriteAsync(payload, cancellationToken);
        if (flush)
        {
            await output.FlushAsync(cancellationToken);
        }
    }

    private static async Task<byte[]?> ReadFrameAsync(Stream input, CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        if (!await ReadExactlyOrEndAsync(input, prefix, cancellationToken))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length is < 0 or > MaxFrameBytes)
        {
            throw new InvalidDataException($"The extractor pipe carried a frame of {length} bytes; the stream is out of step.");
        }

        var payload = new byte[length];
        return await ReadExactlyOrEndAsync(input, payload, cancellationToken) ? payload : null;
    }

    /// <summary>Fills <paramref name="buffer"/>; false when the stream ends first (the other side closed or died).</summary>
    private static async Task<bool> ReadExactlyOrEndAsync(Stream input, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await input.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                return false;
            }

            filled += read;
        }

        return true;
    }
}
