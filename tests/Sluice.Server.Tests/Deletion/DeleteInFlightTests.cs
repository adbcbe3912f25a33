using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Core.Events;
using Sluice.Core.Ports;

namespace Sluice.Server.Tests.Deletion;

/// <summary>
/// A document deleted while one of its stages is in flight leaves nothing behind: no chunk, vector, keyword, summary
/// or blob, and not its text in any file of the data directory (SQLite keeps deleted rows in free pages and in its
/// write-ahead log unless told otherwise).
/// </summary>
public sealed class DeleteInFlightTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("extract")]
    [InlineData("chunk")]
    [InlineData("embed")]
    [InlineData("index")]
    [InlineData("summarize")]
    public async Task DeleteWhileAStageIsInFlight_LeavesNothingInAnyStoreOrOnDisk(string stage)
    {
        var marker = $"Periwinkle {Guid.NewGuid():N} zeppelins hum over the quiet harbour";
        var text = $"{marker}. A second sentence gives the chunker something to count. " +
                   "A third sentence, about lighthouses and ferries, gives the summary a choice.";
        var bytes = Encoding.UTF8.GetBytes(text);
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var documentId = Ids.Document("default", sha256);
        var hold = new Hold();

        await using var host = await SluiceTestHost.StartAsync(services: s =>
        {
            s.AddSingleton<IEmbedder, HashingEmbedder>();
            switch (stage)
            {
                case "extract":
                    s.Hold<IBlobStore>(hold, (m, a) => m.Name == nameof(IBlobStore.OpenReadAsync) && a[0] is BlobReference r && r.Sha256 == sha256);
                    break;
                case "chunk":
                    s.Hold<IChunkStore>(hold, (m, a) => m.Name == nameof(IChunkStore.ReplaceAsync) && (string?)a[0] == documentId);
                    break;
                case "embed":
                    s.Hold<IEmbedder>(hold, (m, a) => m.Name == nameof(IEmbedder.EmbedAsync) && a[0] is IReadOnlyList<string> texts && texts.Any(t => t.Contains("Periwinkle", StringComparison.Ordinal)));
                    break;
                case "index":
                    s.Hold<ISearchIndex>(hold, (m, a) => m.Name == nameof(ISearchIndex.UpsertAsync) && (string?)a[1] == documentId);
                    break;
                default:
                    s.Hold<ISummaryStore>(hold, (m, a) => m.Name == nameof(ISummaryStore.SaveAsync) && a[0] is Summary summary && summary.DocumentId == documentId);
                    break;
            }
        });

        var document = await host.AcceptAsync(bytes, "periwinkle.txt");
        Assert.Equal(documentId, document.Id);
        await hold.Entered.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        using (var deleted = await host.Client.DeleteAsync(new Uri($"/v1/documents/{documentId}", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        hold.Release();

        // The stage goes on after the delete; whatever it writes must go too, eventually and by itself.
        var left = await EventuallyNothingLeftAsync(host, documentId, Encoding.UTF8.GetBytes(marker));
        Assert.True(left.Count == 0, $"after deleting during {stage}, left behind: {string.Join("; ", left)}");
    }

    /// <summary>What is still there of the document, waiting up to 30 s for it to go.</summary>
    private static async Task<List<string>> EventuallyNothingLeftAsync(SluiceTestHost host, string documentId, byte[] marker)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var left = await WhatIsLeftAsync(host, documentId, marker);
            if (left.Count == 0 || DateTime.UtcNow > until)
            {
                return left;
            }

            await Task.Delay(200, Ct);
        }
    }

    private static async Task<List<string>> WhatIsLeftAsync(SluiceTestHost host, string documentId, byte[] marker)
    {
        var left = new List<string>();
        var services = host.Services;
        if (await services.GetRequiredService<IChunkStore>().CountAsync(documentId, Ct) is > 0 and var chunks)
        {
            left.Add($"{chunks} chunks");
        }

        if (await services.GetRequiredService<ISearchIndex>().CountAsync(documentId, Ct) is > 0 and var indexed)
        {
            left.Add($"{indexed} indexed chunks");
        }

        if (await services.GetRequiredService<ISummaryStore>().GetAsync(documentId, Ct) is not null)
        {
            left.Add("a summary");
        }

        if (await services.GetRequiredService<IStatusStore>().CountBlobGarbageAsync(Ct) is > 0 and var garbage)
        {
            left.Add($"{garbage} blobs queued for removal");
        }

        foreach (var file in Directory.EnumerateFiles(host.DataDirectory, "*", SearchOption.AllDirectories))
        {
            byte[] content;
            try
            {
                content = await File.ReadAllBytesAsync(file, Ct);
            }
            catch (IOException)
            {
                continue; // removed while we looked
            }

            if (content.AsSpan().IndexOf(marker) >= 0)
            {
                left.Add($"its text in {Path.GetRelativePath(host.DataDirectory, file)}");
            }
        }

        return left;
    }
}
