using System.Net;
using System.Net.Http.Json;
using System.Text;
using Sluice.Server.Api;
using Sluice.Server.Dev;

namespace Sluice.Server.Tests.Llm;

/// <summary>The whole pipeline with <c>Sluice:Summarizer=llm</c> and remote embeddings, both on the fake provider.</summary>
public sealed class LlmEndToEndTests
{
    [Fact]
    public async Task An_uploaded_document_gets_the_LLMs_summary()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var fake = new FakeLlmServer();
        var endpoint = await fake.StartAsync(cancellationToken: ct);
        await using var host = await SluiceTestHost.StartAsync(SluiceTestHost.LlmSettings(endpoint, new()
        {
            ["Sluice:Llm:Timeout"] = "00:00:20",
            ["Sluice:Embedder"] = "openai",
            ["Sluice:Embedding:OpenAi:Endpoint"] = endpoint.ToString(),
            ["Sluice:Embedding:OpenAi:Model"] = "fake-embed",
            ["Sluice:Embedding:OpenAi:Dimensions"] = "384",
        }));
        const string text = "Sluice moves documents through independent stages. A slow summarizer never blocks search. The rest is detail.";

        var accepted = await host.AcceptAsync(Encoding.UTF8.GetBytes(text), "llm.txt");
        var done = await host.WaitForTerminalAsync(accepted.Id, TimeSpan.FromSeconds(90));
        Assert.Equal("completed", done.Status);

        using var response = await host.Client.GetAsync(new Uri($"/v1/documents/{accepted.Id}/summary", UriKind.Relative), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await response.Content.ReadFromJsonAsync<SummaryResponse>(ct);
        Assert.NotNull(summary);
        Assert.Equal("Sluice moves documents through independent stages. A slow summarizer never blocks search.", summary.Text);
        Assert.Equal("llm:fake-chat@v1", summary.Summarizer);
        Assert.True(fake.Stats.ChatRequests >= 1);
        Assert.True(fake.Stats.EmbeddingRequests >= 1);
    }
}
