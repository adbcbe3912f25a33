using System.CommandLine;
using System.Globalization;
using Sluice.Cli.Client;
using Sluice.Server.Dev;

namespace Sluice.Cli.Commands;

/// <summary>
/// <c>sluice dev fake-llm</c>: an OpenAI-compatible chat and embeddings endpoint on 127.0.0.1 with configurable
/// latency, spikes, 429s, 500s, hangs and deterministic rejections, to try the LLM summarizer and the provider
/// guard without a model.
/// </summary>
internal static class FakeLlmCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (default: any free one)" };
        var latency = new Option<string>("--latency") { Description = "Latency of every answer, e.g. 2s or 300ms (default 0)", DefaultValueFactory = _ => "0s" };
        var spikeRate = new Option<double>("--spike-rate") { Description = "Share of answers that take --spike instead (default 0)" };
        var spike = new Option<string>("--spike") { Description = "Latency of a spike (default 15s)", DefaultValueFactory = _ => "15s" };
        var rate429 = new Option<double>("--rate-429") { Description = "Share of requests answered 429 (default 0)" };
        var retryAfter = new Option<int>("--retry-after") { Description = "Retry-After of a 429, in seconds (default 2)", DefaultValueFactory = _ => 2 };
        var rate500 = new Option<double>("--rate-500") { Description = "Share of requests answered 500 (default 0)" };
        var hangRate = new Option<double>("--hang-rate") { Description = "Share of requests never answered (default 0)" };
        var rejectRate = new Option<double>("--reject-rate") { Description = "Share of contents answered 400, by content hash: a retry gets the same answer (default 0)" };
        var rejectMarker = new Option<string?>("--reject-marker") { Description = "Answer 400 to any request whose content contains this text" };
        var dimensions = new Option<int>("--dimensions") { Description = "Embedding length when a request does not ask for one (default 384)", DefaultValueFactory = _ => 384 };
        var seed = new Option<int?>("--seed") { Description = "Seed of the random faults, for repeatable runs" };
        var command = new Command("fake-llm", "Run a fake OpenAI-compatible LLM and embeddings endpoint with injected faults until stopped")
        {
            port, latency, spikeRate, spike, rate429, retryAfter, rate500, hangRate, rejectRate, rejectMarker, dimensions, seed,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = new FakeLlmOptions
            {
                Port = result.GetValue(port),
                Latency = ParseDuration(result.GetValue(latency)!, "--latency"),
                SpikeRate = Rate(result.GetValue(spikeRate), "--spike-rate"),
                SpikeDuration = ParseDuration(result.GetValue(spike)!, "--spike"),
                Rate429 = Rate(result.GetValue(rate429), "--rate-429"),
                RetryAfterSeconds = result.GetValue(retryAfter),
                Rate500 = Rate(result.GetValue(rate500), "--rate-500"),
                HangRate = Rate(result.GetValue(hangRate), "--hang-rate"),
                RejectRate = Rate(result.GetValue(rejectRate), "--reject-rate"),
                RejectMarker = result.GetValue(rejectMarker),
                EmbeddingDimensions = result.GetValue(dimensions),
                Seed = result.GetValue(seed),
            };
            if (options.Port is < 0 or > 65535 || options.RetryAfterSeconds < 0 || options.EmbeddingDimensions is < 1 or > 65536)
            {
                throw new CliException("--port must be 0 to 65535, --retry-after at least 0 and --dimensions 1 to 65536", 2);
            }

            await using var server = new FakeLlmServer();
            var endpoint = await server.StartAsync(options, cancellationToken);
            await Console.Out.WriteLineAsync($"endpoint: {endpoint}");
            await Console.Out.WriteLineAsync(
                $"POST {endpoint}/chat/completions and {endpoint}/embeddings; counters at {endpoint.GetLeftPart(UriPartial.Authority)}/stats. " +
                "Use it with Sluice__Summarizer=llm Sluice__Llm__Endpoint=<endpoint> Sluice__Llm__Model=fake. Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            var stats = server.Stats;
            await Console.Out.WriteLineAsync(
                $"requests {stats.Requests}: {stats.Succeeded} answered, {stats.RateLimited} 429, {stats.ServerErrors} 500, " +
                $"{stats.Rejected} rejected, {stats.Hung} hung, {stats.Aborted} abandoned by the client; at most {stats.MaxInFlight} at once");
            return 0;
        });
        return command;
    }

    /// <summary>A duration such as 0, 300ms, 2s, 1.5m.</summary>
    internal static TimeSpan ParseDuration(string value, string option)
    {
        var text = value.Trim();
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 1.0),
            _ when text.EndsWith('s') => (text[..^1], 1000.0),
            _ when text.EndsWith('m') => (text[..^1], 60_000.0),
            _ => (text, 1000.0),
        };
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount >= 0 && amount * scale <= TimeSpan.FromDays(1).TotalMilliseconds)
        {
            return TimeSpan.FromMilliseconds(amount * scale);
        }

        throw new CliException($"'{value}' is not a duration for {option} (use e.g. 2s, 300ms, 1m)", 2);
    }

    private static double Rate(double value, string option) =>
        value is >= 0 and <= 1 ? value : throw new CliException($"{option} must be between 0 and 1", 2);
}
