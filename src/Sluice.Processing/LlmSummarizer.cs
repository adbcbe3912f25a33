using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using Sluice.Core.Ports;
using Sluice.Processing.Internal.Chunking;
using Sluice.Processing.Internal.Embeddings;

namespace Sluice.Processing;

/// <summary>
/// Abstractive summaries from any OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp
/// server) through Microsoft.Extensions.AI, for documents of any length.
/// </summary>
/// <remarks>
/// A text that fits the model's context is summarized in one request. A longer one is map-reduced: cut on
/// paragraph, else sentence, boundaries into pieces that fit, each piece summarized (map), then the partial
/// summaries summarized together (reduce), again in pieces while they still do not fit. Every answer is cached
/// by (SHA-256 of what was sent, model, prompt version), so a replayed or retried document never pays for a
/// request twice. Every request goes through the endpoint's shared <see cref="ProviderGuard"/>; failures leave
/// as <see cref="ProviderException"/> for the stage runtime to retry or fail. Thread-safe.
/// </remarks>
public sealed partial class LlmSummarizer : ISummarizer
{
    /// <summary>
    /// A conservative estimate of characters per token for sizing pieces: BPE tokenizers average about 4 in
    /// English prose, fewer in code, numbers and many other languages. Underestimating only costs extra requests;
    /// overestimating would overflow the context.
    /// </summary>
    public const double CharsPerToken = 3.0;

    /// <summary>Tokens set aside for the instructions and the chat format around the text.</summary>
    private const int PromptOverheadTokens = 200;

    /// <summary>Reduce rounds before the remaining partial summaries are cut to fit (only with tiny contexts).</summary>
    private const int MaxReduceRounds = 8;

    private const string Provider = "The LLM endpoint";

    /// <summary>The setting that caps the requests of one summary, as a deployment writes it.</summary>
    private const string CapSetting = "Sluice:" + LlmOptions.SectionName + ":" + nameof(LlmOptions.MaxRequestsPerDocument);

    private readonly IChatClient _chat;
    private readonly LlmOptions _options;
    private readonly ProviderGuard _guard;
    private readonly ILlmSummaryCache? _cache;
    private readonly ChatOptions _chatOptions;
    private readonly int _maxPieceChars;
    private readonly ProviderMetrics _metrics;

    /// <summary>Creates the summarizer; nothing is sent until the first call.</summary>
    /// <param name="chatClient">The chat endpoint, e.g. from <see cref="CreateChatClient"/>.</param>
    /// <param name="options">Model, context size and limits.</param>
    /// <param name="guard">The endpoint's guard, shared with its other callers.</param>
    /// <param name="cache">Where answers are kept across calls and restarts; none when null.</param>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public LlmSummarizer(IChatClient chatClient, LlmOptions options, ProviderGuard guard, ILlmSummaryCache? cache = null)
        : this(chatClient, options, guard, cache, metrics: null)
    {
    }

    /// <summary>Creates the summarizer, counting the tokens of its answers in <paramref name="metrics"/>; nothing is sent until the first call.</summary>
    /// <param name="chatClient">The chat endpoint, e.g. from <see cref="CreateChatClient"/>.</param>
    /// <param name="options">Model, context size and limits.</param>
    /// <param name="guard">The endpoint's guard, shared with its other callers.</param>
    /// <param name="cache">Where answers are kept across calls and restarts; none when null.</param>
    /// <param name="metrics">Where tokens are counted; <see cref="ProviderMetrics.Shared"/> when null.</param>
    /// <exception cref="ValidationException">The options are not valid.</exception>
    public LlmSummarizer(IChatClient chatClient, LlmOptions options, ProviderGuard guard, ILlmSummaryCache? cache, ProviderMetrics? metrics)
    {
        _metrics = metrics ?? ProviderMetrics.Shared;
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(guard);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _chat = chatClient;
        _options = options;
        _guard = guard;
        _cache = cache;
        _chatOptions = new ChatOptions { ModelId = options.Model, MaxOutputTokens = options.MaxSummaryTokens, Temperature = 0 };
        _maxPieceChars = (int)(InputTokenBudget(options) * CharsPerToken);
        Info = new SummarizerInfo("llm:" + options.Model, options.PromptVersion);
    }

    private enum Kind
    {
        Document,
        Part,
        Combine,
    }

    /// <inheritdoc />
    public SummarizerInfo Info { get; }

    /// <summary>Longest text sent in one request, in characters.</summary>
    public int MaxPieceCharacters => _maxPieceChars;

    /// <summary>
    /// A chat client for <paramref name="options"/>' endpoint and model that does not retry (the runtime does)
    /// and sends no Authorization header when there is no API key.
    /// </summary>
    /// <param name="options">Endpoint, model, key and timeout.</param>
    /// <param name="httpClient">The HTTP client to send with; the OpenAI library's shared one when null.</param>
    public static IChatClient CreateChatClient(LlmOptions options, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        // The guard's timeout fires first; the network timeout only stops a connection that outlives it.
        var (clientOptions, credential) = OpenAiClientSetup.Create(options.Endpoint, options.ApiKey, options.Timeout + TimeSpan.FromSeconds(5), httpClient);
        return new OpenAI.Chat.ChatClient(options.Model, credential, clientOptions).AsIChatClient();
    }

    /// <inheritdoc />
    /// <exception cref="ProviderException">The endpoint failed, timed out, answered with nothing, or its circuit is open.</exception>
    /// <exception cref="SummaryRefusedException">The text needs more requests than <see cref="LlmOptions.MaxRequestsPerDocument"/>.</exception>
    public Task<string> SummarizeAsync(string text, CancellationToken cancellationToken = default)
        => Summarize(text, null, cancellationToken);

    /// <inheritdoc />
    public Task<string> SummarizeAsync(string text, string documentId, CancellationToken cancellationToken = default)
        => Summarize(text, documentId, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> ForgetDocumentAsync(string documentId, CancellationToken cancellationToken = default)
        => _cache is not null && await _cache.DeleteDocumentAsync(documentId, cancellationToken);

    private async Task<string> Summarize(string text, string? documentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            return "";
        }

        var key = Key(trimmed, null);
        if (_cache is not null && await _cache.GetAsync(key, cancellationToken) is { } cached)
        {
            return cached;
        }

        string summary;
        var budget = new RequestBudget(_options.MaxRequestsPerDocument);
        if (trimmed.Length <= _maxPieceChars)
        {
            summary = await AskAsync(Kind.Document, trimmed, budget, cancellationToken);
        }
        else
        {
            // Refused before any request when the map alone (plus one request to combine) is over the cap; the least
            // number of pieces is checked first, so a huge text is refused without being split.
            budget.EnsureRoom(((trimmed.Length - 1) / _maxPieceChars) + 1, _maxPieceChars);
            var pieces = Split(trimmed, _maxPieceChars);
            budget.EnsureRoom(pieces.Count, _maxPieceChars);
            var partials = await SummarizeAllAsync(Kind.Part, pieces, documentId, budget, cancellationToken);
            summary = await ReduceAsync(partials, documentId, budget, cancellationToken);
        }

        if (_cache is not null)
        {
            await _cache.PutAsync(key, summary, documentId, cancellationToken);
        }

        return summary;
    }

    /// <summary>Tokens left for the text once the instructions and the answer have their room.</summary>
    internal static int InputTokenBudget(LlmOptions options) => options.ContextTokens - options.MaxSummaryTokens - PromptOverheadTokens;

    /// <summary>
    /// Cuts <paramref name="text"/> into pieces of at most <paramref name="maxChars"/>, on sentence boundaries,
    /// preferring paragraph boundaries when that keeps a piece at least half full; a sentence longer than a piece
    /// is cut at whitespace.
    /// </summary>
    internal static List<string> Split(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return [text];
        }

        var units = new List<SentenceSpan>();
        foreach (var sentence in SentenceSplitter.Split(text, CancellationToken.None))
        {
            var start = sentence.Start;
            var first = true;
            while (sentence.End - start > maxChars)
            {
                var cut = HardCut(text, start, maxChars);
                units.Add(new SentenceSpan(start, cut, first && sentence.StartsParagraph));
                (start, first) = (cut, false);
            }

            units.Add(new SentenceSpan(start, sentence.End, first && sentence.StartsParagraph));
        }

        var pieces = new List<string>();
        var i = 0;
        while (i < units.Count)
        {
            var start = units[i].Start;
            var j = i;
            var lastParagraph = -1;
            while (j < units.Count && units[j].End - start <= maxChars)
            {
                if (j > i && units[j].StartsParagraph)
                {
                    lastParagraph = j;
                }

                j++;
            }

            if (j < units.Count && lastParagraph > i && units[lastParagraph].Start - start >= maxChars / 2)
            {
                j = lastParagraph;
            }

            var piece = text[start..units[j - 1].End].Trim();
            if (piece.Length > 0)
            {
                pieces.Add(piece);
            }

            i = j;
        }

        return pieces;
    }

    private static int HardCut(string text, int start, int maxChars)
    {
        var limit = start + maxChars;
        for (var k = limit; k > start + (maxChars / 2); k--)
        {
            if (char.IsWhiteSpace(text[k - 1]))
            {
                return k;
            }
        }

        return char.IsHighSurrogate(text[limit - 1]) ? limit - 1 : limit;
    }

    private async Task<string> ReduceAsync(IReadOnlyList<string> partials, string? documentId, RequestBudget budget, CancellationToken cancellationToken)
    {
        var combined = string.Join("\n\n", partials);
        for (var round = 0; combined.Length > _maxPieceChars; round++)
        {
            var pieces = Split(combined, _maxPieceChars);
            if (round >= MaxReduceRounds || pieces.Count >= partials.Count)
            {
                // Not shrinking (a context barely larger than two summaries): keep what fits.
                combined = combined[.._maxPieceChars];
                break;
            }

            partials = await SummarizeAllAsync(Kind.Combine, pieces, documentId, budget, cancellationToken);
            combined = string.Join("\n\n", partials);
        }

        return await AskAsync(Kind.Combine, combined, budget, cancellationToken);
    }

    private async Task<IReadOnlyList<string>> SummarizeAllAsync(
        Kind kind, List<string> pieces, string? documentId, RequestBudget budget, CancellationToken cancellationToken)
    {
        var results = new string[pieces.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, pieces.Count),
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
            async (i, token) => results[i] = await CachedAskAsync(kind, pieces[i], documentId, budget, token));
        return results;
    }

    private async Task<string> CachedAskAsync(Kind kind, string text, string? documentId, RequestBudget budget, CancellationToken cancellationToken)
    {
        var key = Key(text, kind);
        if (_cache is not null && await _cache.GetAsync(key, cancellationToken) is { } cached)
        {
            return cached;
        }

        var summary = await AskAsync(kind, text, budget, cancellationToken);
        if (_cache is not null)
        {
            await _cache.PutAsync(key, summary, documentId, cancellationToken);
        }

        return summary;
    }

    private async Task<string> AskAsync(Kind kind, string text, RequestBudget budget, CancellationToken cancellationToken)
    {
        budget.Take();
        List<ChatMessage> messages = [new(ChatRole.System, Instructions(kind)), new(ChatRole.User, text)];
        using var span = ProviderTracing.StartChat(_options.Model, _options.MaxSummaryTokens);
        ChatResponse response;
        try
        {
            response = await _guard.ExecuteAsync(token => _chat.GetResponseAsync(messages, _chatOptions, token), cancellationToken);
        }
        catch (Exception ex)
        {
            ProviderTracing.Failed(span, ex);
            throw;
        }

        var usage = response.Usage;
        _metrics.LlmTokens(_options.Model, usage?.InputTokenCount, usage?.OutputTokenCount);
        if (span is not null)
        {
            span.SetTag("gen_ai.usage.input_tokens", usage?.InputTokenCount);
            span.SetTag("gen_ai.usage.output_tokens", usage?.OutputTokenCount);
            span.SetTag("gen_ai.response.model", response.ModelId);
            span.SetTag("gen_ai.response.finish_reasons", response.FinishReason?.Value is { } reason ? new[] { reason } : null);
        }

        var answer = ThinkBlock().Replace(response.Text ?? "", "").Trim();
        return answer.Length > 0
            ? answer
            : throw ProviderFailures.Invalid(Provider, $"no summary in the answer (finish reason: {response.FinishReason?.Value ?? "none"})");
    }

    private string Instructions(Kind kind)
    {
        var words = Math.Max(20, (int)(_options.MaxSummaryTokens * 0.6)).ToString(CultureInfo.InvariantCulture);
        return kind switch
        {
            Kind.Part =>
                "The user's message is one part of a longer document. Summarize this part in at most " + words +
                " words, keeping the facts, names and figures that matter. Write in the text's own language. " +
                "Answer with the summary only, without any preamble.",
            Kind.Combine =>
                "The user's message holds summaries of consecutive parts of one document, in order. Combine them into " +
                "one summary of the whole document in at most " + words + " words: its subject, main points and " +
                "conclusions. Write in the text's own language. Answer with the summary only, without any preamble.",
            _ =>
                "Summarize the user's message, a document, in at most " + words + " words: its subject, main points " +
                "and conclusions. Write in the text's own language. Answer with the summary only, without any preamble.",
        };
    }

    /// <summary>
    /// The cache key: the document's own SHA-256 for a whole document, and a hash that includes the kind of request
    /// for parts and combinations (the same words sent with other instructions get another answer).
    /// </summary>
    private LlmSummaryKey Key(string text, Kind? kind)
    {
        var content = kind is null ? text : $"{kind}\0{text}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));
        return new LlmSummaryKey(hash, _options.Model, _options.PromptVersion);
    }

    /// <summary>
    /// The requests one summary may still send (<see cref="LlmOptions.MaxRequestsPerDocument"/>; 0: no cap), shared by
    /// its parallel requests. Answers from the cache take nothing from it.
    /// </summary>
    private sealed class RequestBudget(int cap)
    {
        private int _sent;

        /// <summary>Refuses the document now when <paramref name="pieces"/> map requests and one to combine them exceed the cap.</summary>
        public void EnsureRoom(int pieces, int pieceCharacters)
        {
            if (cap > 0 && pieces + 1 > cap)
            {
                throw new SummaryRefusedException(string.Create(CultureInfo.InvariantCulture,
                    $"summarizing this document would take at least {pieces + 1:N0} LLM requests ({pieces:N0} pieces of up to " +
                    $"{pieceCharacters:N0} characters, then combining their summaries), more than {CapSetting} ({cap:N0}); " +
                    $"raise it, or use a model with a larger context (Sluice:Llm:ContextTokens)"));
            }
        }

        /// <summary>Counts one request about to be sent; refuses the document once the cap is spent.</summary>
        public void Take()
        {
            if (cap > 0 && Interlocked.Increment(ref _sent) > cap)
            {
                throw new SummaryRefusedException(string.Create(CultureInfo.InvariantCulture,
                    $"summarizing this document took more than {CapSetting} ({cap:N0}) LLM requests: its partial summaries " +
                    $"did not combine within that many; raise it, or use a model with a larger context (Sluice:Llm:ContextTokens)"));
            }
        }
    }

    /// <summary>Reasoning models (DeepSeek-R1, Qwen3 on Ollama) may put their reasoning in the answer.</summary>
    [GeneratedRegex(@"<think>.*?</think>", RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ThinkBlock();
}
