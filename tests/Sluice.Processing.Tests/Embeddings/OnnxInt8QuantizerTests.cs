using System.Security.Cryptography;
using Onnx;

namespace Sluice.Processing.Tests.Embeddings;

/// <summary>The rewrite of the shipped fp32 model into its int8 form.</summary>
public sealed class OnnxInt8QuantizerTests
{
    private static readonly Lazy<byte[]> Fp32Model = new(() =>
    {
        using var model = MiniLmVocabulary.OpenModel();
        using var bytes = new MemoryStream();
        model.CopyTo(bytes);
        return bytes.ToArray();
    });

    [Fact]
    public void Quantizing_twice_gives_the_same_bytes()
    {
        var first = OnnxInt8Quantizer.Quantize(Fp32Model.Value);
        var second = OnnxInt8Quantizer.Quantize(Fp32Model.Value);
        Assert.Equal(SHA256.HashData(first), SHA256.HashData(second));
        Assert.Equal(first, second);
    }

    [Fact]
    public void Every_weight_matmul_runs_in_int8_with_its_bias_and_the_attention_products_stay_fp32()
    {
        var model = ModelProto.Parser.ParseFrom(OnnxInt8Quantizer.Quantize(Fp32Model.Value));
        var nodes = model.Graph.Node;
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);

        // 6 layers × (Q, K, V, output projection, two feed-forward matrices).
        var quantized = nodes.Where(n => n.OpType == "DynamicQuantizeMatMul").ToArray();
        Assert.Equal(36, quantized.Length);
        Assert.All(quantized, n =>
        {
            Assert.Equal(OnnxInt8Quantizer.MicrosoftDomain, n.Domain);
            Assert.Equal(5, n.Input.Count);
            var weights = initializers[n.Input[1]];
            Assert.Equal((int)TensorProto.Types.DataType.Int8, weights.DataType);
            Assert.Equal(weights.Dims[1], initializers[n.Input[2]].Dims.Single());
            Assert.All(initializers[n.Input[3]].RawData, b => Assert.Equal(0, b));
            Assert.Equal(weights.Dims[1], initializers[n.Input[4]].Dims.Single());
        });

        // The 12 remaining MatMuls multiply two activations (attention scores and their weighted sum).
        var matMuls = nodes.Where(n => n.OpType == "MatMul").ToArray();
        Assert.Equal(12, matMuls.Length);
        Assert.All(matMuls, n => Assert.DoesNotContain(n.Input[1], initializers.Keys));

        // The fp32 matrices are gone; the bias Adds folded into the products.
        Assert.DoesNotContain(model.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Dims.Count == 2 && t.Dims[0] == 384 && t.Dims[1] is 384 or 1536
            && !t.Name.StartsWith("pooler.", StringComparison.Ordinal));
        Assert.Contains(model.OpsetImport, o => o.Domain == OnnxInt8Quantizer.MicrosoftDomain && o.Version == 1);
    }

    [Fact]
    public void Columns_are_quantized_symmetrically_with_their_own_scale()
    {
        // 2 × 3, row-major: column 0 spans ±1.27, column 1 is all zero, column 2 has a value exactly halfway.
        float[] weights = [1.27f, 0f, 0.5f, -0.635f, 0f, -1f];
        var (values, scales) = OnnxInt8Quantizer.QuantizeColumns(weights, rows: 2, columns: 3);

        Assert.Equal([0.01f, 1f, 1f / 127], scales);
        Assert.Equal([127, 0, 64, -64, 0, -127], values.Select(v => (int)v));
    }

    [Fact]
    public void Bytes_that_are_not_a_model_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => OnnxInt8Quantizer.Quantize([0xff, 0xff, 0xff, 0x07]));
        Assert.StartsWith("The bytes are not an ONNX model.", error.Message, StringComparison.Ordinal);
    }
}
