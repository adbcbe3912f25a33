using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace Sluice.Processing.Tests.Extraction;

/// <summary>Builds DOCX files with the Open XML SDK, and hostile variants of them.</summary>
internal static class TestDocx
{
    public static byte[] Build(IEnumerable<string> paragraphs, string[][]? table = null)
    {
        using var buffer = new MemoryStream();
        using (var document = WordprocessingDocument.Create(buffer, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            var body = new Body();
            foreach (var paragraph in paragraphs)
            {
                body.Append(new Paragraph(new Run(new Text(paragraph) { Space = SpaceProcessingModeValues.Preserve })));
            }

            if (table is not null)
            {
                var grid = new Table();
                foreach (var row in table)
                {
                    grid.Append(new TableRow(row.Select(cell => new TableCell(new Paragraph(new Run(new Text(cell)))))));
                }

                body.Append(grid);
            }

            main.Document = new Document(body);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Writes a valid DOCX whose document.xml inflates to about <paramref name="inflatedBytes"/> bytes of
    /// one repeated letter, streaming through ZipArchive so the writer never holds it in memory.
    /// </summary>
    public static void WriteBomb(string path, long inflatedBytes)
    {
        var template = Build(["placeholder"]);
        using var source = new ZipArchive(new MemoryStream(template), ZipArchiveMode.Read);
        using var file = File.Create(path);
        using var bomb = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var entry in source.Entries)
        {
            var copy = bomb.CreateEntry(entry.FullName, CompressionLevel.SmallestSize);
            using var target = copy.Open();
            if (entry.FullName == "word/document.xml")
            {
                WriteHugeDocument(target, inflatedBytes);
            }
            else
            {
                using var original = entry.Open();
                original.CopyTo(target);
            }
        }
    }

    private static void WriteHugeDocument(Stream target, long inflatedBytes)
    {
        target.Write(Encoding.UTF8.GetBytes(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
            + "<w:body><w:p><w:r><w:t>"));
        var block = new byte[1024 * 1024];
        Array.Fill(block, (byte)'a');
        for (long written = 0; written < inflatedBytes; written += block.Length)
        {
            target.Write(block);
        }

        target.Write("</w:t></w:r></w:p></w:body></w:document>"u8);
    }
}
