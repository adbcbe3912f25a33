using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sluice.Core.Ports;
using Sluice.Kafka;
using Sluice.Server.Api;
using Sluice.Server.Hosting;
using Sluice.Server.Security;

namespace Sluice.Server.Tests;

/// <summary>A whole Sluice (API + stages) on a fresh temporary data directory, served in memory.</summary>
public sealed class SluiceTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IDisposable? _owned;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tenant, SluiceRole Role), HttpClient> _clients = new();

    private SluiceTestHost(WebApplication app, string dataDirectory, IDisposable? owned)
    {
        _app = app;
        _owned = owned;
        DataDirectory = dataDirectory;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public string DataDirectory { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Settings for LLM summaries from <paramref name="endpoint"/> (a fake LLM's), plus <paramref name="extra"/>.</summary>
    public static Dictionary<string, string?> LlmSettings(Uri endpoint, Dictionary<string, string?>? extra = null)
        => new(extra ?? [])
        {
            ["Sluice:Summarizer"] = "llm",
            ["Sluice:Llm:Endpoint"] = endpoint.ToString(),
            ["Sluice:Llm:Model"] = "fake-chat",
        };

    /// <param name="settings">Configuration on top of the test defaults.</param>
    /// <param name="services">Changes to the services (e.g. a stand-in embedder).</param>
    /// <param name="owned">Disposed after the host (e.g. the Kafka cluster it runs on).</param>
    /// <param name="untilProvisioned">
    /// Whether to return only once the topics exist (the host itself listens before that, and refuses uploads).
    /// </param>
    public static async Task<SluiceTestHost> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null, IDisposable? owned = null,
        bool untilProvisioned = true)
    {
        var directory = Path.Combine(Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N"));
        var overrides = new Dictionary<string, string?>
        {
            ["Sluice:DataDirectory"] = directory,
            ["Sluice:StageParallelism"] = "2",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var builder = SluiceApp.CreateBuilder([], overrides);
        builder.WebHost.UseTestServer();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapSluice();
        await app.StartAsync(TestContext.Current.CancellationToken);
        if (untilProvisioned)
        {
            await app.Services.GetRequiredService<TopicProvisioner>().Provisioned.WaitAsync(TestContext.Current.CancellationToken);
        }

        return new SluiceTestHost(app, directory, owned);
    }

    /// <summary>
    /// A whole Sluice on the event log a theory names: <c>embedded</c> (SQLite) or <c>kafka</c> (a librdkafka mock
    /// cluster of its own, so injected state never leaks between tests, disposed with the host).
    /// </summary>
    /// <param name="log"><c>embedded</c> or <c>kafka</c>.</param>
    /// <param name="settings">Configuration on top of the test defaults; <c>Sluice:Partitions</c> and <c>Sluice:RetryDelays</c> also shape the Kafka topics.</param>
    /// <param name="services">Changes to the services (e.g. a stand-in embedder).</param>
    public static async Task<SluiceTestHost> StartOnAsync(
        string log, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (log == "embedded")
        {
            return await StartAsync(settings, services);
        }

        Assert.Equal("kafka", log);
        var cluster = KafkaMockCluster.Start(brokers: 1);
        var partitions = settings.TryGetValue("Sluice:Partitions", out var p) && p is not null ? int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) : 3;
        var delays = settings.TryGetValue("Sluice:RetryDelays", out var d) && d is not null
            ? new SluiceOptions { RetryDelays = d }.RetryDelayList
            : TopicProvisioner.DefaultRetryDelays;
        foreach (var spec in TopicProvisioner.Specs(partitions, retryDelays: delays))
        {
            cluster.CreateTopic(spec.Name, spec.Partitions);
        }

        var kafka = new Dictionary<string, string?>(settings)
        {
            ["Sluice:Transport"] = "kafka",
            ["Sluice:Partitions"] = partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sluice:Kafka:BootstrapServers"] = cluster.BootstrapServers,
            ["Sluice:Kafka:SessionTimeout"] = "00:00:06",
        };
        return await StartAsync(kafka, services, cluster);
    }

    /// <summary>Uploads <paramref name="content"/> as the multipart field <c>file</c>.</summary>
    public async Task<HttpResponseMessage> UploadAsync(byte[] content, string fileName, string contentType = "application/octet-stream")
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        form.Add(part, "file", fileName);
        return await Client.PostAsync(new Uri("/v1/documents", UriKind.Relative), form, TestContext.Current.CancellationToken);
    }

    /// <summary>Uploads and returns the accepted document; fails the test unless it was accepted.</summary>
    public async Task<DocumentResponse> AcceptAsync(byte[] content, string fileName)
    {
        using var response = await UploadAsync(content, fileName);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"expected 202 for {fileName}, got {(int)response.StatusCode}: {body}");
        return (await response.Content.ReadFromJsonAsync<DocumentResponse>(TestContext.Current.CancellationToken))!;
    }

    public async Task<DocumentResponse> GetAsync(string id)
        => (await Client.GetFromJsonAsync<DocumentResponse>(new Uri($"/v1/documents/{id}", UriKind.Relative), TestContext.Current.CancellationToken))!;

    /// <summary>Polls the status until the document is completed or failed (or the timeout fails the test).</summary>
    public async Task<DocumentResponse> WaitForTerminalAsync(string id, TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(60));
        DocumentResponse? last = null;
        try
        {
            while (true)
            {
                last = await GetAsync(id);
                if (last.Status is "completed" or "failed" or "dead_lettered")
                {
                    return last;
                }

                await Task.Delay(50, cts.Token);
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"document {id} did not reach a terminal state; last status: {last?.Status}");
            throw;
        }
    }

    /// <summary>
    /// A client that sends an API key of <paramref name="tenant"/> with <paramref name="role"/> (one key per tenant and
    /// role, made at the first call). The first key ends the host's open mode: from then on <see cref="Client"/> (which
    /// sends no key) gets 401.
    /// </summary>
    public async Task<HttpClient> ClientForAsync(string tenant, SluiceRole role = SluiceRole.Writer)
    {
        if (_clients.TryGetValue((tenant, role), out var existing))
        {
            return existing;
        }

        var (_, text) = await Services.GetRequiredService<ApiKeys>().CreateAsync(tenant, role, $"test {tenant} {role}", null, TestContext.Current.CancellationToken);
        var client = _app.GetTestClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", text);
        return _clients.GetOrAdd((tenant, role), client);
    }

    public async Task<ChunkPage> ChunksAsync(string id, int limit = 500)
        => (await Client.GetFromJsonAsync<ChunkPage>(new Uri($"/v1/documents/{id}/chunks?limit={limit}", UriKind.Relative), TestContext.Current.CancellationToken))!;

    /// <summary>
    /// Everything on the topics so far, read by a group of its own: once the group has its partitions, until
    /// five polls in a row come back empty.
    /// </summary>
    public async Task<List<ConsumedRecord>> ReadAllAsync(params string[] topics)
    {
        var log = Services.GetRequiredService<IEventLog>();
        await using var consumer = log.CreateConsumer(new ConsumerSettings($"reader-{Guid.NewGuid():N}", topics));
        var records = new List<ConsumedRecord>();
        var joinedBy = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var quiet = 0;
        while (quiet < 5)
        {
            var batch = await consumer.PollAsync(100, TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
            records.AddRange(batch);
            var joined = consumer.Assignment.Count > 0 || DateTime.UtcNow > joinedBy; // Kafka: joining a group takes a moment
            quiet = batch.Count == 0 && joined ? quiet + 1 : 0;
        }

        return records;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _owned?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
