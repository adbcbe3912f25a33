using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Sluice.Processing.Tests.Extraction;

/// <summary>Builds PDFs in memory with PdfPig's writer (standard 14 font, one line of text per entry).</summary>
internal static class TestPdfs
{
    public static byte[] Build(params string[][] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var lines in pages)
        {
            var page = builder.AddPage(PageSize.A4);
            var y = 780.0;
            foreach (var line in lines)
            {
                if (line.Length > 0)
                {
                    page.AddText(line, 11, new PdfPoint(56, y), font);
                }

                y -= 16;
            }
        }

        return builder.Build();
    }

    /// <summary>A PDF whose pages have no text at all (as a scan without OCR would be).</summary>
    public static byte[] BuildBlank(int pages)
    {
        var builder = new PdfDocumentBuilder();
        for (var i = 0; i < pages; i++)
        {
            var page = builder.AddPage(PageSize.A4);
            page.DrawRectangle(new PdfPoint(50, 50), 200, 100);
        }

        return builder.Build();
    }
}
