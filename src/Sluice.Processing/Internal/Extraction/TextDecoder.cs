using System.Text;
using Ude;

namespace Sluice.Processing.Internal.Extraction;

/// <summary>
/// Turns bytes of a text document into a string: BOM first, then strict UTF-8, then charset
/// detection; undecodable sequences become U+FFFD.
/// </summary>
internal static class TextDecoder
{
    private const int DetectionSampleBytes = 64 * 1024;

    static TextDecoder() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>Decodes <paramref name="bytes"/>; an incomplete sequence at the end becomes U+FFFD.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        var encoding = Detect(bytes, out var bomLength);
        return encoding.GetString(bytes[bomLength..]);
    }

    /// <summary>Chooses the encoding of <paramref name="bytes"/>, which may be the head of a longer text.</summary>
    public static Encoding Detect(ReadOnlySpan<byte> bytes, out int bomLength)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bomLength = 3;
            return Utf8();
        }

        bomLength = 2;
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: false);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: false);
        }

        bomLength = 0;
        var (invalid, multiByte) = AnalyzeUtf8(bytes);
        if (invalid == 0 || (multiByte > 0 && invalid <= multiByte))
        {
            // Valid UTF-8, or UTF-8 with a few damaged sequences (which become U+FFFD).
            return Utf8();
        }

        return DetectLegacy(bytes) ?? Encoding.GetEncoding(1252, EncoderFallback.ReplacementFallback, DecoderFallback.ReplacementFallback);
    }

    /// <summary>Counts invalid UTF-8 sequences and valid multi-byte characters; an incomplete tail is not invalid.</summary>
    public static (int Invalid, int MultiByte) AnalyzeUtf8(ReadOnlySpan<byte> bytes)
    {
        var invalid = 0;
        var multiByte = 0;
        while (!bytes.IsEmpty)
        {
            var ascii = bytes.IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
            if (ascii < 0)
            {
                break;
            }

            bytes = bytes[ascii..];
            var status = Rune.DecodeFromUtf8(bytes, out _, out var consumed);
            if (status == System.Buffers.OperationStatus.Done)
            {
                multiByte++;
            }
            else if (status == System.Buffers.OperationStatus.InvalidData)
            {
                invalid++;
            }

            bytes = bytes[consumed..];
        }

        return (invalid, multiByte);
    }

    private static Encoding? DetectLegacy(ReadOnlySpan<byte> bytes)
    {
        var sample = bytes[..Math.Min(bytes.Length, DetectionSampleBytes)].ToArray();
        var detector = new CharsetDetector();
        detector.Feed(sample, 0, sample.Length);
        detector.DataEnd();
        if (detector.Charset is null || detector.Confidence < 0.3f
            || detector.Charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase)
            || detector.Charset.Equals("ASCII", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            return Encoding.GetEncoding(detector.Charset, EncoderFallback.ReplacementFallback, DecoderFallback.ReplacementFallback);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static UTF8Encoding Utf8() => new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
}
