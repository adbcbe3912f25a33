using System.Text;
using Sluice.Core.Ports;
using Sluice.Processing;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests.Llm;

/// <summary>A fake provider on a loopback port and an LLM summarizer pointed at it, torn down together.</summary>
internal sealed class LlmTestKit : IAsyncDisposable
{
    private LlmTestKit(FakeLlmServer fake, Uri endpoint, LlmOptions options, ILlmSummaryCache? cache)
    {
        Fake = fake;
        Endpoint = endpoint;
        Options = options;
        Guard = new ProviderGuard("The LLM endpoint", options.ToGuardOptions());
        Summarizer = new LlmSummarizer(LlmSummarizer.CreateChatClient(options), options, Guard, cache);
    }

    public FakeLlmServer Fake { get; }

    public Uri Endpoint { get; }

    public LlmOptions Options { get; }

    public ProviderGuard Guard { get; }

    public LlmSummarizer Summarizer { get; }

    public static async Task<LlmTestKit> StartAsync(
        FakeLlmOptions? faults = null, Action<LlmOptions>? configure = null, ILlmSummaryCache? cache = null)
    {
        var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(faults, TestContext.Current.CancellationToken);
        var options = new LlmOptions { Endpoint = endpoint, Model = "fake", Timeout = TimeSpan.FromSeconds(20) };
        configure?.Invoke(options);
        return new LlmTestKit(fake, endpoint, options, cache);
    }

    /// <summary>Paragraphs of distinct sentences, about <paramref name="characters"/> long.</summary>
    public static string LongText(int characters)
    {
        var text = new StringBuilder();
        for (var p = 0; text.Length < characters; p++)
        {
            for (var s = 0; s < 5; s++)
            {
                text.Append($"Paragraph {p} sentence {s} says that stage {p % 7} handled document {p * 5 + s} without trouble. ");
            }

            text.Append("\n\n");
        }

        return text.ToString().Trim();
    }

    public async ValueTask DisposeAsync()
    {
        Guard.Dispose();
        await Fake.DisposeAsync();
    }
}
