namespace Sluice.Processing.Tests.Embeddings;

/// <summary>Sample texts for the embedding tests.</summary>
internal static class MiniLmTexts
{
    /// <summary>About 200 words of ordinary prose, the size of a typical chunk.</summary>
    public const string Chunk =
        "The river town grew up around a mill that used the falling water to grind grain for the farms of the valley. " +
        "In the early years, every family brought its harvest to the same wooden building, and the miller kept a " +
        "ledger of who owed what, written in a careful hand that can still be read today. When the railway arrived in " +
        "1872, the mill lost much of its trade, because flour could now be shipped from large factories in the city at " +
        "a lower price. Some families moved away to find work, while others opened small shops, a school and a church. " +
        "The old mill was closed for almost forty years before a group of volunteers restored it as a museum. Visitors " +
        "can now watch the great wheel turn, see how the stones were dressed, and read letters that describe daily life " +
        "in the nineteenth century. The museum also keeps maps, photographs and tools donated by local people. Each " +
        "summer, students help to catalogue new items, and the town holds a fair on the green beside the water, with " +
        "music, food and games for children. Many visitors say that the quiet sound of the water is what they remember most.";

    /// <summary>Well over 256 word pieces: the chunk twice.</summary>
    public static string Long => Chunk + " " + Chunk;
}
