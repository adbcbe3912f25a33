using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Sluice.Processing;

/// <summary>
/// Turns an fp32 ONNX model into one whose weight matrix multiplies run on ONNX Runtime's integer path: every
/// <c>MatMul</c> whose second input is a constant 2-D float initializer becomes a <c>com.microsoft</c>
/// <c>DynamicQuantizeMatMul</c> with int8 weights, quantized symmetrically per output column, and its bias folded
/// in when the product's only use is the <c>Add</c> of a constant vector.
/// </summary>
/// <remarks>
/// The int8 model is derived from the fp32 one the package ships, in memory, when the embedder loads, so there is no
/// second binary to ship or to keep in step with the first. At run time the activations are quantized to uint8 per
/// call (dynamic quantization) and multiplied with the int8 weights (u8 × s8, the form AVX-512 VNNI and AVX-VNNI
/// compute in one instruction), then scaled back to float. Per-column scales keep each output's error relative to its
/// own weights; symmetric weights need no zero-point correction term. Everything else (embeddings, LayerNorm,
/// Softmax, and the attention products of two activations) stays fp32. The rewrite is deterministic: the same input
/// gives the same bytes, because the arithmetic is scalar IEEE single precision with round-half-to-even and
/// protobuf serialises fields in a fixed order.
/// </remarks>
public static class OnnxInt8Quantizer
{
    /// <summary>The operator domain of ONNX Runtime's contrib operators.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    private const int FloatType = (int)TensorProto.Types.DataType.Float;
    private const int Int8Type = (int)TensorProto.Types.DataType.Int8;
    private const sbyte Limit = 127;

    /// <summary>Returns the serialised int8 model for the serialised fp32 <paramref name="model"/>.</summary>
    /// <exception cref="ArgumentException">The bytes are not an ONNX model, or it has no weight MatMul to quantize.</exception>
    public static byte[] Quantize(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new ArgumentException("The bytes are not an ONNX model.", nameof(model), ex);
        }

        if (Quantize(proto) == 0)
        {
            throw new ArgumentException("The model has no MatMul with a constant float weight matrix to quantize.", nameof(model));
        }

        return proto.ToByteArray();
    }

    /// <summary>Rewrites <paramref name="model"/> in place; returns how many MatMuls now run in int8.</summary>
    internal static int Quantize(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph ?? throw new ArgumentException("The model has no graph.", nameof(model));
        var initializers = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializer)
        {
            initializers[tensor.Name] = tensor;
        }

        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var uses = CountUses(graph);
        var removed = new HashSet<NodeProto>();
        var replacedWeights = new HashSet<string>(StringComparer.Ordinal);
        var quantized = 0;
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.OpType != "MatMul" || node.Domain.Length != 0 || node.Input.Count != 2
                || !initializers.TryGetValue(node.Input[1], out var weights) || !IsFloatMatrix(weights))
            {
                continue;
            }

            var columns = (int)weights.Dims[1];
            var name = weights.Name;
            var (values, scales) = QuantizeColumns(ReadFloats(weights), (int)weights.Dims[0], columns);
            graph.Initializer.Add(Int8Tensor(name + "_quantized", [weights.Dims[0], columns], values));
            graph.Initializer.Add(FloatTensor(name + "_scale", scales));
            graph.Initializer.Add(Int8Tensor(name + "_zero_point", [columns], new sbyte[columns]));

            var replacement = new NodeProto
            {
                Name = node.Name + "_quant",
                OpType = "DynamicQuantizeMatMul",
                Domain = MicrosoftDomain,
                Input = { node.Input[0], name + "_quantized", name + "_scale", name + "_zero_point" },
                Output = { node.Output[0] },
            };

            var bias = BiasAdd(graph, node.Output[0], columns, initializers, uses, graphOutputs);
            if (bias is not null)
            {
                var (add, biasName) = bias.Value;
                replacement.Input.Add(biasName);
                replacement.Output[0] = add.Output[0];
                removed.Add(add);
            }

            graph.Node[i] = replacement;
            if (--uses[name] == 0)
            {
                replacedWeights.Add(name);
            }

            quantized++;
        }

        RemoveAll(graph.Node, removed.Contains);
        RemoveAll(graph.Initializer, t => replacedWeights.Contains(t.Name));
        if (quantized > 0 && !model.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        return quantized;
    }

    /// <summary>
    /// Symmetric int8 per column of a row-major K × N matrix: scale = max |w| / 127 of the column, q = round(w / scale)
    /// (half to even), so q lies in [-127, 127] and zero stays exactly zero.
    /// </summary>
    internal static (sbyte[] Values, float[] Scales) QuantizeColumns(ReadOnlySpan<float> weights, int rows, int columns)
    {
        var scales = new float[columns];
        for (var r = 0; r < rows; r++)
        {
            var row = weights.Slice(r * columns, columns);
            for (var c = 0; c < columns; c++)
            {
                scales[c] = Math.Max(scales[c], Math.Abs(row[c]));
            }
        }

        for (var c = 0; c < columns; c++)
        {
            // An all-zero column quantizes to zeros whatever its scale; 1 keeps the division defined.
            scales[c] = scales[c] > 0 ? scales[c] / Limit : 1f;
        }

        var values = new sbyte[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            var row = weights.Slice(r * columns, columns);
            for (var c = 0; c < columns; c++)
            {
                var q = MathF.Round(row[c] / scales[c], MidpointRounding.ToEven);
                values[r * columns + c] = (sbyte)Math.Clamp(q, -Limit, Limit);
            }
        }

        return (values, scales);
    }

    /// <summary>
    /// The <c>Add</c> of a constant length-<paramref name="columns"/> vector that is the only use of
    /// <paramref name="product"/>, and that vector's name; null when there is none to fold.
    /// </summary>
    private static (NodeProto Add, string Bias)? BiasAdd(
        GraphProto graph, string product, int columns, Dictionary<string, TensorProto> initializers,
        Dictionary<string, int> uses, HashSet<string> graphOutputs)
    {
        if (graphOutputs.Contains(product) || uses.GetValueOrDefault(product) != 1)
        {
            return null;
        }

        var add = graph.Node.FirstOrDefault(n => n.Input.Contains(product));
        if (add is null || add.OpType != "Add" || add.Domain.Length != 0 || add.Input.Count != 2)
        {
            return null;
        }

        var other = add.Input[0] == product ? add.Input[1] : add.Input[0];
        return initializers.TryGetValue(other, out var bias) && bias.DataType == FloatType
            && bias.Dims.Count == 1 && bias.Dims[0] == columns
            ? (add, other)
            : null;
    }

    private static Dictionary<string, int> CountUses(GraphProto graph)
    {
        var uses = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                uses[input] = uses.GetValueOrDefault(input) + 1;
            }
        }

        return uses;
    }

    private static bool IsFloatMatrix(TensorProto tensor)
        => tensor.DataType == FloatType && tensor.Dims.Count == 2 && tensor.Dims[0] > 0 && tensor.Dims[1] > 0
            && tensor.ExternalData.Count == 0;

    private static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.RawData.Length == 0)
        {
            return [.. tensor.FloatData];
        }

        // raw_data is little-endian whatever the machine.
        var bytes = tensor.RawData.Span;
        if (BitConverter.IsLittleEndian)
        {
            return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }

        var values = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
        }

        return values;
    }

    private static TensorProto Int8Tensor(string name, long[] dims, sbyte[] values) => new()
    {
        Name = name,
        DataType = Int8Type,
        Dims = { dims },
        RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
    };

    private static TensorProto FloatTensor(string name, float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return new TensorProto { Name = name, DataType = FloatType, Dims = { values.Length }, RawData = ByteString.CopyFrom(bytes) };
    }

    private static void RemoveAll<T>(Google.Protobuf.Collections.RepeatedField<T> items, Func<T, bool> predicate)
    {
        for (var i = items.Count - 1; i >= 0; i--)
        {
            if (predicate(items[i]))
            {
                items.RemoveAt(i);
            }
        }
    }
}
