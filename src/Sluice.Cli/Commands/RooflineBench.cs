using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Sluice.Processing;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice bench roofline</c>: how close the local embedder comes to what this machine's matrix multiply can do.
/// It measures sustained fp32 GFLOP/s and int8 GOP/s of ONNX Runtime on the model's weight-matrix shapes (one-node
/// graphs built in memory, on the embedder's thread count), computes the model's operations per chunk of T tokens,
/// and runs the fp32 and the int8 embedder on chunks of about T tokens: chunks/s, and that as a fraction of the
/// roofline (GOP/s ÷ operations per chunk) of its own precision.
/// </summary>
internal static class RooflineBench
{
    private const int Hidden = 384;
    private const int Layers = 6;

    private const string Prose =
        "The river town grew up around a mill that used the falling water to grind grain for the farms of the valley. " +
        "In the early years every family brought its harvest to the same wooden building, and the miller kept a ledger " +
        "of who owed what. When the railway arrived the mill lost much of its trade, because flour could now be shipped " +
        "from large factories in the city at a lower price. Some families moved away to find work, while others opened " +
        "small shops, a school and a church. Clinical trials of statins in people at low risk of vascular disease showed " +
        "that lowering cholesterol reduced heart attacks and strokes, with few harms. Sleep after learning improves the " +
        "recall of word pairs, and the benefit grows with the amount of slow-wave sleep. Invoices are due within thirty " +
        "days; a reminder is sent after forty-five, and the account is suspended after sixty. The committee approved the " +
        "budget after a long debate about the cost of the new bridge and the repairs to the old harbour wall.";

    public static Command Create()
    {
        var tokens = new Option<int>("--tokens") { Description = "Word pieces per chunk, [CLS] and [SEP] included (default 200)", DefaultValueFactory = _ => 200 };
        var seconds = new Option<double>("--seconds") { Description = "Seconds each measurement runs (default 5)", DefaultValueFactory = _ => 5 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (default: the embedder's, the processor count)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var batch = new Option<int>("--batch") { Description = "Chunks per model run (default 8, the embedder's)", DefaultValueFactory = _ => 8 };
        var command = new Command("roofline", "Sustained fp32 and int8 matrix-multiply speed against the fp32 and int8 embedders' chunks/s") { tokens, seconds, threads, batch };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(tokens), result.GetValue(seconds), result.GetValue(threads), result.GetValue(batch), cancellationToken));
        return command;
    }

    /// <summary>
    /// Operations of one chunk of <paramref name="tokens"/> tokens, counting a multiply-add as two: per layer the Q, K,
    /// V and output projections 4·2·T·h², the feed-forward 2·2·T·h·4h, attention scores and weighted sum 2·2·T²·h.
    /// </summary>
    public static double OperationsPerChunk(int tokens)
    {
        double t = tokens, h = Hidden;
        return Layers * ((4 * 2 * t * h * h) + (2 * 2 * t * h * 4 * h) + (2 * 2 * t * t * h));
    }

    private static async Task<int> RunAsync(int tokens, double seconds, int threads, int batch, CancellationToken cancellationToken)
    {
        if (tokens is < 3 or > MiniLmVocabulary.MaxSequenceLength || seconds <= 0 || threads < 1 || batch < 1)
        {
            await Console.Error.WriteLineAsync($"--tokens must be 3 to {MiniLmVocabulary.MaxSequenceLength}, --seconds above 0, --threads and --batch at least 1.");
            return 2;
        }

        var duration = TimeSpan.FromSeconds(seconds);
        var perChunk = OperationsPerChunk(tokens);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Environment.ProcessorCount} processors, {threads} intra-op threads; chunks of {tokens} tokens, {batch} per run; {seconds:0.#} s per measurement"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model operations per chunk: {perChunk / 1e9:F3} G ({perChunk / tokens / 1e6:F1} M per token; weight matrices {WeightShare(tokens):P0})"));

        // Matrix multiplies of the model's weight shapes, M = batch × tokens rows. The weights' operations split
        // evenly over the three shapes (4 h×h, one h×4h, one 4h×h per layer), so the mix is their harmonic mean.
        var rows = batch * tokens;
        (int K, int N)[] shapes = [(Hidden, Hidden), (Hidden, 4 * Hidden), (4 * Hidden, Hidden)];
        Console.WriteLine();
        Console.WriteLine("matrix multiply       | fp32 GFLOP/s | int8 GOP/s | int8/fp32");
        double fp32Time = 0, int8Time = 0;
        foreach (var (k, n) in shapes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fp32 = MeasureMatMul(rows, k, n, int8: false, threads, duration);
            var int8 = MeasureMatMul(rows, k, n, int8: true, threads, duration);
            fp32Time += 1 / fp32;
            int8Time += 1 / int8;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows,5} x {k,4} x {n,4}    | {fp32,12:F1} | {int8,10:F1} | {int8 / fp32,9:F2}"));
        }

        var fp32Roof = shapes.Length / fp32Time;
        var int8Roof = shapes.Length / int8Time;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"model mix             | {fp32Roof,12:F1} | {int8Roof,10:F1} | {int8Roof / fp32Roof,9:F2}"));

        var model = ReadModel();
        var quantizing = Stopwatch.StartNew();
        _ = OnnxInt8Quantizer.Quantize(model);
        var quantization = quantizing.Elapsed;

        var texts = Chunks(tokens, 64);
        Console.WriteLine();
        Console.WriteLine("embedder | load s | memory MB | chunks/s | roofline chunks/s | fraction");
        double? fp32Rate = null;
        foreach (var precision in new[] { OnnxEmbedderOptions.Fp32Precision, OnnxEmbedderOptions.Int8Precision })
        {
            var memoryBefore = CurrentMemory();
            var loading = Stopwatch.StartNew();
            using var embedder = new OnnxMiniLmEmbedder(new OnnxEmbedderOptions { Precision = precision, IntraOpThreads = threads, BatchSize = batch });
            var load = loading.Elapsed.TotalSeconds;
            await embedder.EmbedAsync(texts[..batch], cancellationToken);
            var memory = (CurrentMemory() - memoryBefore) / 1048576.0;
            var rate = await MeasureEmbedderAsync(embedder, texts, duration, cancellationToken);
            var roof = (precision == OnnxEmbedderOptions.Int8Precision ? int8Roof : fp32Roof) * 1e9 / perChunk;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{precision,-8} | {load,6:F2} | {memory,9:F0} | {rate,8:F1} | {roof,17:F1} | {rate / roof,8:P0}"));
            fp32Rate ??= rate;
            if (precision == OnnxEmbedderOptions.Int8Precision)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"int8 / fp32 chunks/s = {rate / fp32Rate.Value:F2}; quantization at load {quantization.TotalMilliseconds:F0} ms"));
            }

            GC.Collect();
        }

        return 0;
    }

    /// <summary>Share of a chunk's operations in the weight matrices, the part int8 speeds up.</summary>
    private static double WeightShare(int tokens)
    {
        double t = tokens, h = Hidden;
        return Layers * ((8 * t * h * h) + (16 * t * h * h)) / OperationsPerChunk(tokens);
    }

    /// <summary>Sustained operations per second (G) of one M×K by K×N product, after a warm-up.</summary>
    private static double MeasureMatMul(int m, int k, int n, bool int8, int threads, TimeSpan duration)
    {
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        using var session = new InferenceSession(MatMulGraph(k, n, int8), options);
        var random = new Random(1);
        var input = new float[m * k];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)(random.NextDouble() * 2 - 1);
        }

        using var value = OrtValue.CreateTensorValueFromMemory(input, [m, k]);
        using var runOptions = new RunOptions();
        void Run()
        {
            using var outputs = session.Run(runOptions, ["a"], [value], ["y"]);
        }

        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(0.5))
        {
            Run();
        }

        var runs = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            Run();
            runs++;
        }

        return 2.0 * m * k * n * runs / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>
    /// y = a · B with a constant B: an fp32 MatMul, or the int8 embedder's DynamicQuantizeMatMul (int8 B, per-column
    /// scales), the operator its weight multiplies run as.
    /// </summary>
    private static byte[] MatMulGraph(int k, int n, bool int8)
    {
        var random = new Random(2);
        var graph = new GraphProto { Name = "roofline" };
        graph.Input.Add(FloatValue("a", -1, k));
        graph.Output.Add(FloatValue("y", -1, n));
        if (int8)
        {
            var weights = new byte[k * n];
            random.NextBytes(weights);
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (byte)(sbyte)Math.Clamp((sbyte)weights[i], (sbyte)-127, (sbyte)127);
            }

            graph.Initializer.Add(new TensorProto { Name = "b", DataType = (int)TensorProto.Types.DataType.Int8, Dims = { k, n }, RawData = ByteString.CopyFrom(weights) });
            graph.Initializer.Add(FloatTensor("b_scale", [.. Enumerable.Repeat(0.001f, n)], n));
            graph.Initializer.Add(new TensorProto { Name = "b_zero_point", DataType = (int)TensorProto.Types.DataType.Int8, Dims = { n }, RawData = ByteString.CopyFrom(new byte[n]) });
            graph.Node.Add(new NodeProto
            {
                OpType = "DynamicQuantizeMatMul",
                Domain = OnnxInt8Quantizer.MicrosoftDomain,
                Input = { "a", "b", "b_scale", "b_zero_point" },
                Output = { "y" },
            });
        }
        else
        {
            var weights = new float[k * n];
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)(random.NextDouble() * 0.2 - 0.1);
            }

            graph.Initializer.Add(FloatTensor("b", weights, k, n));
            graph.Node.Add(new NodeProto { OpType = "MatMul", Input = { "a", "b" }, Output = { "y" } });
        }

        var model = new ModelProto { IrVersion = 7, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxInt8Quantizer.MicrosoftDomain, Version = 1 });
        return model.ToByteArray();
    }

    private static ValueInfoProto FloatValue(string name, long rows, long columns)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(rows < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "m" } : new TensorShapeProto.Types.Dimension { DimValue = rows });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = columns });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static async Task<double> MeasureEmbedderAsync(OnnxMiniLmEmbedder embedder, string[] texts, TimeSpan duration, CancellationToken cancellationToken)
    {
        var chunks = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            chunks += (await embedder.EmbedAsync(texts, cancellationToken)).Count;
        }

        return chunks / clock.Elapsed.TotalSeconds;
    }

    /// <summary><paramref name="count"/> different chunks of about <paramref name="tokens"/> word pieces each ([CLS] and [SEP] included).</summary>
    private static string[] Chunks(int tokens, int count)
    {
        var words = Prose.Split(' ');
        var chunks = new string[count];
        for (var i = 0; i < count; i++)
        {
            var text = new List<string>();
            for (var w = i * 7; MiniLmVocabulary.Tokenizer.CountTokens(string.Join(' ', text)) < tokens; w++)
            {
                text.Add(words[w % words.Length]);
            }

            chunks[i] = string.Join(' ', text);
        }

        return chunks;
    }

    private static byte[] ReadModel()
    {
        using var model = MiniLmVocabulary.OpenModel();
        using var bytes = new MemoryStream();
        model.CopyTo(bytes);
        return bytes.ToArray();
    }

    private static long CurrentMemory()
    {
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
