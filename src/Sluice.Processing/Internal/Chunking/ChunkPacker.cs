namespace Sluice.Processing.Internal.Chunking;

/// <summary>A chunk as a range of units, with the exact count of its text.</summary>
internal readonly record struct PackedChunk(int FirstUnit, int EndUnit, int Start, int End, int Tokens);

/// <summary>
/// Packs units into chunks: whole units, up to the target; a paragraph start ends a chunk that is near its
/// target; each chunk after the first repeats the last whole sentences of the previous one, up to the overlap.
/// </summary>
/// <remarks>
/// Sizes are added up from the units' counts (each unit was counted once), then the chunk's text is counted
/// exactly. Should that exceed the budget (counts do not add up across every kind of boundary), units are dropped
/// from the end, then from the overlap, until it fits. Each unit takes part in a bounded number of chunks, so the
/// packing is linear in the text.
/// </remarks>
internal sealed class ChunkPacker(TokenCounter counter, int budget, int target, int overlap)
{
    /// <summary>Share of the target from which a chunk ends at a paragraph start rather than run across it.</summary>
    private const double ParagraphBreakShare = 0.75;

    /// <summary>Packs <paramref name="units"/> (in text order) into chunks.</summary>
    public List<PackedChunk> Pack(string text, List<ChunkUnit> units, CancellationToken cancellationToken)
    {
        var chunks = new List<PackedChunk>();
        var first = 0;
        var next = 0;
        while (next < units.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tokens = units[next].Tokens;
            for (var k = first; k < next; k++)
            {
                tokens += units[k].Tokens;
            }

            var end = next + 1;
            while (end < units.Count)
            {
                var unit = units[end];
                if (unit.JoinsPrevious || tokens + unit.Tokens > target
                    || (unit.StartsParagraph && tokens >= target * ParagraphBreakShare))
                {
                    break;
                }

                tokens += unit.Tokens;
                end++;
            }

            var chunk = Measure(text, units, first, next, end);
            chunks.Add(chunk);
            next = chunk.EndUnit;
            first = OverlapStart(units, chunk.FirstUnit, next);
        }

        return chunks;
    }

    /// <summary>Counts the chunk's text exactly, dropping units until it fits the budget.</summary>
    private PackedChunk Measure(string text, List<ChunkUnit> units, int first, int next, int end)
    {
        while (true)
        {
            var start = units[first].Start;
            var stop = units[end - 1].End;
            var tokens = end - first == 1 ? units[first].Tokens : counter.Count(text, start, stop);
            if (tokens <= budget || end - first == 1)
            {
                return new PackedChunk(first, end, start, stop, tokens);
            }

            if (end - 1 > next)
            {
                end--;
            }
            else
            {
                first++;
            }
        }
    }

    /// <summary>
    /// Where the chunk after the one ending at <paramref name="next"/> starts: at the last whole sentences of the
    /// previous chunk worth at most the overlap, leaving room for the next unit; never at the previous chunk's
    /// own first unit, so that chunks always move on.
    /// </summary>
    private int OverlapStart(List<ChunkUnit> units, int previousFirst, int next)
    {
        if (next >= units.Count || units[next].JoinsPrevious || overlap == 0)
        {
            return next;
        }

        var first = next;
        var tokens = 0;
        var room = budget - units[next].Tokens;
        while (first - 1 > previousFirst)
        {
            var unit = units[first - 1];
            if (!unit.IsSentence || tokens + unit.Tokens > overlap || tokens + unit.Tokens > room)
            {
                break;
            }

            tokens += unit.Tokens;
            first--;
        }

        return first;
    }
}
