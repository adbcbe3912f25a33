using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Sluice.Server.Tests;

/// <summary>Real documents made in code, so each test shows exactly what it feeds the pipeline.</summary>
public static class TestDocuments
{
    public static byte[] Pdf(params string[][] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var lines in pages)
        {
            var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
            var y = 780.0;
            foreach (var line in lines)
            {
                page.AddText(line, 11, new PdfPoint(40, y), font);
                y -= 16;
            }
        }

        return builder.Build();
    }

    public static byte[] Docx(params string[] paragraphs)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            main.Document = new Document(new Body(paragraphs.Select(p => new Paragraph(new Run(new Text(p))))));
            main.Document.Save();
        }

        return stream.ToArray();
    }

    /// <summary>A structurally valid DOCX whose document part inflates to <paramref name="inflatedBytes"/>.</summary>
    public static byte[] ZipBombDocx(long inflatedBytes)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            WriteEntry(zip, "[Content_Types].xml", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
                """);
            WriteEntry(zip, "_rels/.rels", """
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>
                """);
            var entry = zip.CreateEntry("word/document.xml", CompressionLevel.SmallestSize);
            using var part = entry.Open();
            part.Write(Encoding.UTF8.GetBytes("""<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"""));
            var block = Encoding.ASCII.GetBytes(new string('a', 1 << 20));
            for (long written = 0; written < inflatedBytes; written += block.Length)
            {
                part.Write(block);
            }

            part.Write(Encoding.UTF8.GetBytes("</w:t></w:r></w:p></w:body></w:document>"));
        }

        return stream.ToArray();
    }

    public static byte[] NestedHtml(int depth)
    {
        var builder = new StringBuilder("<!DOCTYPE html><html><body>");
        builder.Insert(builder.Length, "<div>", depth);
        builder.Append("deep inside the nesting");
        builder.Insert(builder.Length, "</div>", depth);
        builder.Append("</body></html>");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    public static byte[] RandomBytes(int length, int seed = 42)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Prose of distinct, numbered sentences, so chunk text can be traced back to its source.</summary>
    public static string Prose(int sentences, string topic = "ingestion")
        => string.Join(' ', Enumerable.Range(1, sentences).Select(i =>
            $"Sentence {i} explains how the {topic} pipeline keeps document {i} safe while stages work at their own pace."));

    private static void WriteEntry(ZipArchive zip, string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
        writer.Write(content);
    }
}
