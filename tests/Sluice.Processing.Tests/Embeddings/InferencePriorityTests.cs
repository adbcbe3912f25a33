namespace Sluice.Processing.Tests.Embeddings;

public sealed class InferencePriorityTests
{
    [Fact]
    public async Task Inference_and_onnx_runtime_worker_threads_run_at_the_configured_nice_value_and_end_with_the_embedder()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Thread nice values are a Linux feature.");
        const int Nice = 7; // a value no other test uses, so the count below is this embedder's alone
        Assert.Equal(0, ThreadsWithNice(Nice));

        var embedder = new OnnxMiniLmEmbedder(new OnnxEmbedderOptions { IntraOpThreads = 2, Nice = Nice });
        try
        {
            var vectors = await embedder.EmbedAsync(["Low priority, full accuracy."], TestContext.Current.CancellationToken);
            Assert.Equal(1.0, VectorAssert.Norm(vectors[0]), 1e-4);

            // Two inference threads of the embedder's own, plus ONNX Runtime's intra-op worker, which inherits
            // the nice value of the thread that created the session.
            Assert.True(ThreadsWithNice(Nice) >= 3, $"expected at least 3 threads at nice {Nice}, found {ThreadsWithNice(Nice)}");
        }
        finally
        {
            embedder.Dispose();
        }

        // A joined thread's /proc entry can outlive the join by a moment.
        for (var i = 0; i < 50 && ThreadsWithNice(Nice) > 0; i++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(ThreadsWithNice(Nice, out var left) == 0, $"threads left at nice {Nice}: {left}");
    }

    [Fact]
    public async Task Nice_zero_leaves_the_threads_at_the_process_priority()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Thread nice values are a Linux feature.");
        using var threads = Sluice.Processing.Internal.Embeddings.InferenceThreads.Start(1, 0, "test");
        var nice = await threads.RunAsync(Sluice.Processing.Internal.Embeddings.InferenceThreads.CurrentNice, TestContext.Current.CancellationToken);
        Assert.Equal(Sluice.Processing.Internal.Embeddings.InferenceThreads.CurrentNice(), nice);
    }

    [Fact]
    public void Out_of_range_nice_values_are_rejected()
    {
        var error = Assert.Throws<System.ComponentModel.DataAnnotations.ValidationException>(
            () => new OnnxMiniLmEmbedder(new OnnxEmbedderOptions { Nice = 20 }));
        Assert.Contains("Nice", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Threads of this process whose nice value (field 19 of /proc/self/task/*/stat) is <paramref name="nice"/>.</summary>
    private static int ThreadsWithNice(int nice) => ThreadsWithNice(nice, out _);

    private static int ThreadsWithNice(int nice, out string names)
    {
        names = string.Empty;
        var count = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            // The command name (field 2) is in parentheses and may hold spaces; fields after it start at field 3.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture) == nice)
            {
                count++;
                names += stat[..(stat.LastIndexOf(')') + 1)] + ";";
            }
        }

        return count;
    }
}
