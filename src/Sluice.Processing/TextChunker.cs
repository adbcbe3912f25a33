using System.ComponentModel.DataAnnotations;
using Microsoft.ML.Tokenizers;
using Sluice.Core.Events;
using Sluice.Processing.Internal.Chunking;
using Sluice.Processing.Internal.Embeddings;

namespace Sluice.Processing;

/// <summary>
/// Cuts text into chunks that fit the embedding model's window, breaking between sentences and, near the target
/// size, between paragraphs; consecutive chunks share their boundary sentences.
/// </summary>
/// <remarks>
/// Sizes are in word pieces of the given tokenizer (the one the embedder uses). A sentence larger than a chunk may
/// be is cut at whitespace, and a whitespace-free run larger than that by characters, so no chunk exceeds
/// <see cref="ChunkerOptions.MaxTokens"/> - 2 word pieces. Chunks never start or end with whitespace, and their
/// offsets point into the input text exactly. Thread-safe: a chunker holds no state between calls.
/// </remarks>
public sealed class TextChunker
{
    private readonly UnitBuilder _units;
    private readonly ChunkPacker _packer;

    /// <summary>
    /// Creates a chunker for all-MiniLM-L6-v2, counting word pieces exactly as <see cref="OnnxMiniLmEmbedder"/>
    /// tokenizes, so no chunk is ever cut off by the model's window.
    /// </summary>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public TextChunker(ChunkerOptions options)
        : this(MiniLmEncoder.Shared.CountPieces, options)
    {
    }

    /// <summary>Creates a chunker counting with <paramref name="tokenizer"/>.</summary>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public TextChunker(BertTokenizer tokenizer, ChunkerOptions options)
        : this(CountWith(tokenizer), options)
    {
    }

    private TextChunker(Func<string, int> countPieces, ChunkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);

        var counter = new TokenCounter(countPieces);
        var budget = options.MaxContentTokens;
        _units = new UnitBuilder(counter, budget, options.TargetTokens);
        _packer = new ChunkPacker(counter, budget, options.TargetTokens, options.OverlapTokens);
    }

    private static Func<string, int> CountWith(BertTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return text => tokenizer.CountTokens(text, considerPreTokenization: true, considerNormalization: true);
    }

    /// <summary>Cuts <paramref name="text"/> into chunks; none for empty or whitespace-only text.</summary>
    /// <param name="text">The extracted text.</param>
    /// <param name="pages">Where pages start in <paramref name="text"/>, to set <see cref="TextChunk.Page"/>.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    public IReadOnlyList<TextChunk> Split(
        string text, IReadOnlyList<PageStart>? pages = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var sentences = SentenceSplitter.Split(text, cancellationToken);
        var units = _units.Build(text, sentences, cancellationToken);
        var packed = _packer.Pack(text, units, cancellationToken);
        var locator = pages is null ? null : new PageLocator(pages);

        var chunks = new TextChunk[packed.Count];
        for (var i = 0; i < packed.Count; i++)
        {
            var chunk = packed[i];
            chunks[i] = new TextChunk(i, text[chunk.Start..chunk.End], chunk.Start, chunk.End,
                locator?.PageAt(chunk.Start), chunk.Tokens);
        }

        return chunks;
    }
}
