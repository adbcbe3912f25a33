using System.Diagnostics;
using System.Text;
using Sluice.Processing.Internal.Extraction.Isolation;

namespace Sluice.Processing.Tests.Extraction;

/// <summary>
/// Extraction in real <c>sluice-extractor</c> child processes: the same results as in process, and a parser
/// that hangs, allocates without bound or overflows its stack ends its child, not this process, with a reason.
/// </summary>
public sealed class IsolatedExtractionTests
{
    private static readonly string Samples = Path.Combine(AppContext.BaseDirectory, "samples");

    [Theory]
    [InlineData("sluice-overview.pdf", DocumentFormats.Pdf)]
    [InlineData("release-notes.docx", DocumentFormats.Docx)]
    [InlineData("architecture.html", DocumentFormats.Html)]
    [InlineData("README-sample.md", DocumentFormats.Markdown)]
    [InlineData("notes.txt", DocumentFormats.Text)]
    public async Task A_child_extracts_exactly_what_the_process_itself_would(string sample, string format)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(Samples, sample), TestContext.Current.CancellationToken);
        await using var isolated = Isolated(new ExtractionOptions());

        var inChild = await ExtractAsync(isolated, bytes, format);
        var inProcess = await Extract.BytesAsync(bytes, format);

        Assert.Equal(inProcess.Text, inChild.Text);
        Assert.Equal(inProcess.Pages, inChild.Pages);
    }

    [Fact]
    public async Task Text_that_UTF_8_cannot_carry_comes_back_unchanged()
    {
        await using var isolated = Isolated(new ExtractionOptions());
        const string text = "lone \uD800 surrogate, emoji \U0001F600, tab\tand form feed\f end";

        var result = await ExtractAsync(isolated, Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray(), DocumentFormats.Text);

        Assert.Equal((await Extract.BytesAsync(Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray(), DocumentFormats.Text)).Text, result.Text);
    }

    [Fact]
    public async Task A_document_the_child_cannot_extract_fails_with_the_same_reason_and_the_child_is_kept()
    {
        await using var isolated = Isolated(new ExtractionOptions { ChildProcesses = 1, MaxPdfPages = 2 });

        var error = await Assert.ThrowsAsync<ExtractionException>(() => ExtractAsync(isolated, TestPdfs.Build([["a"], ["b"], ["c"]]), DocumentFormats.Pdf));
        var next = await ExtractAsync(isolated, "still here"u8.ToArray(), DocumentFormats.Text);

        Assert.Equal("the PDF has 3 pages, over the limit of 2 (Sluice:Extraction:MaxPdfPages)", error.Reason);
        Assert.Equal("still here", next.Text);
        Assert.Equal(1, isolated.StartedChildren);
    }

    [Fact]
    public async Task Children_are_reused_and_replaced_after_their_quota_of_documents()
    {
        await using var isolated = Isolated(new ExtractionOptions { ChildProcesses = 1, ChildMaxDocuments = 3 });

        for (var i = 0; i < 7; i++)
        {
            Assert.Equal($"document {i}", (await ExtractAsync(isolated, Encoding.UTF8.GetBytes($"document {i}"), DocumentFormats.Text)).Text);
        }

        Assert.Equal(3, isolated.StartedChildren);
    }

    [Fact]
    public async Task A_hanging_parser_is_stopped_at_the_time_limit_and_the_next_document_gets_a_fresh_child()
    {
        await using var isolated = Isolated(new ExtractionOptions { ChildProcesses = 1, ChildTimeout = TimeSpan.FromSeconds(3) }, hooks: true);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ExtractionException>(() => ExtractAsync(isolated, Hook("hang"), DocumentFormats.Text));
        var elapsed = clock.Elapsed;
        var next = await ExtractAsync(isolated, "after the hang"u8.ToArray(), DocumentFormats.Text);

        Assert.Equal("the extractor process took longer than 00:00:03 and was stopped (Sluice:Extraction:ChildTimeout)", error.Reason);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30));
        Assert.Equal("after the hang", next.Text);
        Assert.Equal(2, isolated.StartedChildren);
    }

    [Fact]
    public async Task A_parser_that_allocates_without_bound_runs_out_of_memory_in_its_child()
    {
        await using var isolated = Isolated(new ExtractionOptions { ChildProcesses = 1, ChildMemoryLimitMiB = 128 }, hooks: true);

        var error = await Assert.ThrowsAsync<ExtractionException>(() => ExtractAsync(isolated, Hook("allocate"), DocumentFormats.Text));
        var next = await ExtractAsync(isolated, "after the allocation"u8.ToArray(), DocumentFormats.Text);

        Assert.Equal("the extractor process ran out of memory (limit 128 MiB, Sluice:Extraction:ChildMemoryLimitMiB)", error.Reason);
        Assert.Equal("after the allocation", next.Text);
    }

    [Fact]
    public async Task A_stack_overflow_in_the_parser_ends_only_its_child()
    {
        await using var isolated = Isolated(new ExtractionOptions { ChildProcesses = 1 }, hooks: true);

        var error = await Assert.ThrowsAsync<ExtractionException>(() => ExtractAsync(isolated, Hook("stack-overflow"), DocumentFormats.Text));
        var next = await ExtractAsync(isolated, "after the overflow"u8.ToArray(), DocumentFormats.Text);

        Assert.Equal("the extractor process crashed with a stack overflow", error.Reason);
        Assert.Equal("after the overflow", next.Text);
    }

    [Fact]
    public async Task Cancelling_a_document_in_a_child_is_a_cancellation_not_a_failure_of_the_document()
    {
        await using var isolated = Isolated(new ExtractionOptions { ChildProcesses = 1 }, hooks: true);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            isolated.ExtractAsync(new MemoryStream(Hook("hang")), DocumentFormats.Text, cancel.Token));
        var next = await ExtractAsync(isolated, "after the cancellation"u8.ToArray(), DocumentFormats.Text);

        Assert.Equal("after the cancellation", next.Text);
    }

    [Fact]
    public async Task Documents_run_side_by_side_in_as_many_children_as_allowed()
    {
        await using var isolated = Isolated(new ExtractionOptions { ChildProcesses = 2 }, hooks: true);
        using var stopHanging = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        // One child hangs; the other keeps extracting meanwhile.
        var hanging = isolated.ExtractAsync(new MemoryStream(Hook("hang")), DocumentFormats.Text, stopHanging.Token);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"beside {i}", (await ExtractAsync(isolated, Encoding.UTF8.GetBytes($"beside {i}"), DocumentFormats.Text)).Text);
        }

        Assert.False(hanging.IsCompleted);
        await stopHanging.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => hanging);
    }

    [Fact]
    public async Task A_child_that_does_not_start_is_the_machines_problem_not_the_documents()
    {
        await using var isolated = Isolated(new ExtractionOptions { ChildPath = "/bin/false" });

        var error = await Assert.ThrowsAsync<ExtractorProcessException>(() => ExtractAsync(isolated, "text"u8.ToArray(), DocumentFormats.Text));

        Assert.Equal("the extractor process did not start (exit code 1)", error.Message);
    }

    [Fact]
    public void An_explicitly_configured_extractor_program_that_does_not_exist_is_a_configuration_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            DocumentExtractors.Create(new ExtractionOptions { ChildPath = "/nonexistent/sluice-extractor" }));

        Assert.Contains("Sluice:Extraction:ChildPath", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_extractor_isolates_and_none_does_not()
    {
        await using var isolated = (IAsyncDisposable)DocumentExtractors.Create(new ExtractionOptions());

        Assert.IsType<IsolatedDocumentExtractor>(isolated);
        Assert.IsType<DocumentExtractor>(DocumentExtractors.Create(new ExtractionOptions { Isolation = ExtractionOptions.NoIsolation }));
    }

    private static byte[] Hook(string action) => Encoding.ASCII.GetBytes($"{TestHooks.Marker}{action}\nA test document.");

    private static IsolatedDocumentExtractor Isolated(ExtractionOptions options, bool hooks = false)
    {
        var launch = ExtractorLauncher.Locate(options);
        Assert.NotNull(launch);
        if (hooks)
        {
            launch.Environment[TestHooks.EnvironmentVariable] = "1";
        }

        return new IsolatedDocumentExtractor(options, launch);
    }

    private static async Task<ExtractedText> ExtractAsync(IsolatedDocumentExtractor extractor, byte[] content, string format)
    {
        await using var input = new NonSeekableStream(new MemoryStream(content));
        return await extractor.ExtractAsync(input, format, TestContext.Current.CancellationToken).WaitAsync(Extract.Timeout, TestContext.Current.CancellationToken);
    }
}
