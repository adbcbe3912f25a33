using Microsoft.ML.OnnxRuntime;

namespace Sluice.Processing.Internal.Embeddings;

/// <summary>
/// The all-MiniLM-L6-v2 ONNX graph in one <see cref="InferenceSession"/>: runs padded batches of token ids and pools
/// the token vectors into normalised sentence vectors. <see cref="Embed"/> is thread-safe.
/// </summary>
internal sealed class MiniLmOnnxModel : IDisposable
{
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private static readonly string[] OutputNames = ["last_hidden_state"];

    private readonly InferenceSession _session;

    public MiniLmOnnxModel(byte[] model, int intraOpThreads)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };

        // Idle intra-op threads would otherwise spin between runs, taking the cores from the stages and
        // the API that run beside the model in the same process.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(model, options);
        Dimensions = (int)_session.OutputMetadata[OutputNames[0]].Dimensions[^1];
    }

    /// <summary>Length of the sentence vectors (384).</summary>
    public int Dimensions { get; }

    /// <summary>
    /// One normalised vector per sequence of ids (each with its [CLS] and [SEP]), in order. The batch is padded to
    /// its longest sequence; padding is masked out of attention and pooling, so a vector does not depend on the rest
    /// of the batch.
    /// </summary>
    public float[][] Embed(IReadOnlyList<int[]> sequences, int padding, RunOptions runOptions)
    {
        var batch = sequences.Count;
        var length = 0;
        foreach (var sequence in sequences)
        {
            length = Math.Max(length, sequence.Length);
        }

        var ids = new long[batch * length];
        var mask = new long[batch * length];
        var types = new long[batch * length];
        for (var row = 0; row < batch; row++)
        {
            var sequence = sequences[row];
            var offset = row * length;
            for (var t = 0; t < length; t++)
            {
                var real = t < sequence.Length;
                ids[offset + t] = real ? sequence[t] : padding;
                mask[offset + t] = real ? 1 : 0;
            }
        }

        long[] shape = [batch, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var outputs = _session.Run(runOptions, InputNames, [idsValue, maskValue, typesValue], OutputNames);

        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var vectors = new float[batch][];
        for (var row = 0; row < batch; row++)
        {
            vectors[row] = MeanPooling.Pool(hidden, row, length, Dimensions, sequences[row].Length);
        }

        return vectors;
    }

    public void Dispose() => _session.Dispose();
}
