namespace Sluice.Processing.Tests.Chunking;

/// <summary>What must hold for any input: exact offsets, bounded and exact counts, nothing lost.</summary>
internal static class ChunkInvariants
{
    public const int MaxContentTokens = 254;

    public static void AssertHold(string text, IReadOnlyList<TextChunk> chunks, int maxContentTokens = MaxContentTokens)
    {
        var tokenizer = MiniLmVocabulary.Tokenizer;
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            Assert.Equal(i, chunk.Index);
            Assert.True(chunk.Start < chunk.End, $"chunk {i} is empty");
            Assert.Equal(text.Substring(chunk.Start, chunk.End - chunk.Start), chunk.Text);
            Assert.False(char.IsWhiteSpace(chunk.Text[0]), $"chunk {i} starts with whitespace");
            Assert.False(char.IsWhiteSpace(chunk.Text[^1]), $"chunk {i} ends with whitespace");
            Assert.False(char.IsLowSurrogate(chunk.Text[0]), $"chunk {i} starts inside a surrogate pair");
            Assert.False(char.IsHighSurrogate(chunk.Text[^1]), $"chunk {i} ends inside a surrogate pair");

            var pieces = tokenizer.EncodeToIds(chunk.Text, addSpecialTokens: false).Count;
            Assert.Equal(pieces, chunk.Tokens);
            Assert.True(pieces <= maxContentTokens, $"chunk {i} has {pieces} word pieces");

            if (i > 0)
            {
                Assert.True(chunk.Start > chunks[i - 1].Start, $"chunk {i} does not move on");
                Assert.True(chunk.End > chunks[i - 1].End, $"chunk {i} ends before its predecessor");
            }
        }

        AssertNothingLost(text, chunks);
    }

    /// <summary>Every character outside all chunks is whitespace.</summary>
    public static void AssertNothingLost(string text, IReadOnlyList<TextChunk> chunks)
    {
        var covered = 0;
        foreach (var chunk in chunks)
        {
            AssertWhiteSpace(text, covered, chunk.Start);
            covered = Math.Max(covered, chunk.End);
        }

        AssertWhiteSpace(text, covered, text.Length);
    }

    private static void AssertWhiteSpace(string text, int from, int to)
    {
        for (var k = from; k < to; k++)
        {
            Assert.True(char.IsWhiteSpace(text[k]), $"character {k} ('{text[k]}') is in no chunk");
        }
    }
}
