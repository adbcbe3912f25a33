using Sluice.Server.Ingestion;

namespace Sluice.Server.Tests;

public class FileNamesTests
{
    [Theory]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe")]
    [InlineData("\u202Bevil\u202C.txt", "evil.txt")]
    [InlineData("re\u2066port\u2069.pdf", "report.pdf")]
    [InlineData("\uFEFFnotes.md", "notes.md")]
    [InlineData("zero\u200Bwidth\u200Fjoin\u200D.txt", "zerowidthjoin.txt")]
    [InlineData("soft\u00ADhyphen.txt", "softhyphen.txt")]
    [InlineData("tag\U000E0041\U000E0042.txt", "tag.txt")]
    public void Sanitize_RemovesInvisibleFormatCharacters(string name, string expected)
        => Assert.Equal(expected, FileNames.Sanitize(name));

    [Fact]
    public void Sanitize_OnlyFormatCharacters_FallsBackToUpload()
        => Assert.Equal("upload", FileNames.Sanitize("\u202E\u200B\uFEFF"));

    [Theory]
    [InlineData("Über Straße.pdf")]
    [InlineData("отчёт 2026.docx")]
    [InlineData("報告書.txt")]
    [InlineData("تقرير.md")]
    [InlineData("notes \U0001F4DD.txt")]
    public void Sanitize_KeepsVisibleCharactersOfAnyScript(string name)
        => Assert.Equal(name, FileNames.Sanitize(name));

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\me\\a<b>.txt", "ab.txt")]
    [InlineData("  ", "upload")]
    public void Sanitize_KeepsTheLastSegmentWithoutReservedCharacters(string name, string expected)
        => Assert.Equal(expected, FileNames.Sanitize(name));
}
