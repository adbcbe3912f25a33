using System.Diagnostics;
using System.Security.Claims;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Health;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Processing;
using Sluice.Server.Api;
using Sluice.Server.Security;

namespace Sluice.Server.Hosting;

/// <summary>
/// With <c>Sluice:Warmup:Enabled</c>, warms a freshly started API process up before it reports ready, so that a load balancer (a Kubernetes readiness
/// probe on <c>/readyz</c>) sends it no upload while the first ones would wait for the JIT, the JSON metadata, the
/// stores' first statements, the first extractor child and the model's first inference. Until it is done it reports
/// <see cref="Component"/> to <see cref="ReadinessSignals"/>; it starts once the topics exist and gives up after
/// <see cref="WarmupOptions.Timeout"/>, reporting ready anyway.
/// <para>
/// It leaves no trace: it calls the API's read routes in process (<c>/healthz</c>, the document list, a document that
/// does not exist), without the middleware (so no request is counted, logged or rate-limited); it sniffs, hashes and
/// stages a few bytes without committing them (nothing is stored) and reads the status store; it extracts, chunks and
/// embeds a sentence when this process runs those stages. Nothing is registered and no event is published: the event
/// log's write path stays cold (a write would be a record every consumer reads).
/// </para>
/// </summary>
public sealed partial class StartupWarmup : BackgroundService
{
    /// <summary>The name it reports to <see cref="ReadinessSignals"/> while it runs.</summary>
    public const string Component = "warm-up";

    /// <summary>The bytes it sniffs, stages and extracts (never stored).</summary>
    internal static readonly byte[] Sample = "Warm-up. Sluice compiles and loads its upload path before it reports ready; nothing is stored."u8.ToArray();

    private readonly IServiceProvider _services;
    private readonly ReadinessSignals _readiness;
    private readonly TopicProvisioner _topics;
    private readonly WarmupOptions _options;
    private readonly SluiceOptions _sluice;
    private readonly ILogger<StartupWarmup> _logger;
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StartupWarmup(
        IServiceProvider services, ReadinessSignals readiness, TopicProvisioner topics, IOptions<WarmupOptions> options,
        IOptions<SluiceOptions> sluice, TimeProvider time, ILogger<StartupWarmup> logger)
    {
        ArgumentNullException.ThrowIfNull(readiness);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sluice);
        ArgumentNullException.ThrowIfNull(time);
        _services = services;
        _readiness = readiness;
        _topics = topics;
        _options = options.Value;
        _sluice = sluice.Value;
        _logger = logger;

        // Reported when the host resolves its services, before anything listens: no probe can find it ready in between.
        if (_options.Enabled)
        {
            readiness.Report(Component, "The process is warming up its upload path and stages; ready in a moment.", time.GetUtcNow());
        }
        else
        {
            _completed.TrySetResult();
        }
    }

    /// <summary>Completes when the warm-up is over (done, failed, timed out or stopped), and readiness no longer waits for it.</summary>
    public Task Completed => _completed.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        try
        {
            await _topics.Provisioned.WaitAsync(stoppingToken);
            using var budget = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            budget.CancelAfter(_options.Timeout);
            var clock = Stopwatch.StartNew();
            try
            {
                // The stages' warm-up mostly waits for a child process and the inference threads: beside the routes'.
                await Task.WhenAll(StepAsync("stages", WarmStagesAsync, budget.Token), ApiAsync(budget.Token));
                LogWarmedUp(_logger, clock.ElapsedMilliseconds);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                LogTimedOut(_logger, _options.Timeout);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || _topics.Provisioned.IsFaulted)
        {
            // Stopping, or provisioning failed for good (the provisioner stops the host).
        }
        finally
        {
            _readiness.Clear(Component);
            _completed.TrySetResult();
        }
    }

    private async Task ApiAsync(CancellationToken cancellationToken)
    {
        await StepAsync("upload path", WarmUploadPathAsync, cancellationToken);
        await StepAsync("routes", WarmRoutesAsync, cancellationToken);
    }

    /// <summary>Runs one part of the warm-up; a failure is logged and the rest carries on (only a timeout ends it all).</summary>
    private async Task StepAsync(string step, Func<CancellationToken, Task> warm, CancellationToken cancellationToken)
    {
        try
        {
            await warm(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStepFailed(_logger, ex, step);
        }
    }

    /// <summary>The first extractor child (started now rather than for the first document), the chunker, the model's first run.</summary>
    private async Task WarmStagesAsync(CancellationToken cancellationToken)
    {
        var stages = _sluice.StageList;
        if (stages.Contains(StageNames.Extract))
        {
            using var content = new MemoryStream(Sample, writable: false);
            var text = await _services.GetRequiredService<IDocumentExtractor>().ExtractAsync(content, DocumentFormats.Text, cancellationToken);
            if (stages.Contains(StageNames.Chunk))
            {
                _ = _services.GetRequiredService<TextChunker>().Split(text.Text, text.Pages, cancellationToken);
            }
        }

        // Only the local model: a remote embedder's call would cost money and count against its limits.
        if ((stages.Contains(StageNames.Embed) || stages.Contains(StageNames.Summarize))
            && _services.GetService<IEmbedder>() is OnnxMiniLmEmbedder model)
        {
            _ = await model.EmbedAsync(["Warm-up."], cancellationToken);
        }
    }

    /// <summary>What an upload does before its writes: sniff, hash and stage the bytes (discarded), read the status store.</summary>
    private async Task WarmUploadPathAsync(CancellationToken cancellationToken)
    {
        var sniff = FormatSniffer.Sniff(Sample, "warm-up.txt", "text/plain");
        using var content = new MemoryStream(Sample, writable: false);
        await using var staged = await _services.GetRequiredService<IBlobStore>().StageAsync(content, sniff.ContentType, Sample.Length, cancellationToken);
        var statuses = _services.GetRequiredService<IStatusStore>();
        _ = await statuses.IsBlobCondemnedAsync(staged.Reference.Uri, cancellationToken);
        _ = await statuses.GetAsync(Ids.Document(Tenants.Default, staged.Reference.Sha256), cancellationToken);

        // The answers' JSON metadata, built by reflection on first use.
        var json = _services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        _ = json.GetTypeInfo(typeof(DocumentResponse));
        _ = json.GetTypeInfo(typeof(DocumentPage));
    }

    /// <summary>
    /// The read routes, called in process as a reader of the default tenant: building the route table compiles every
    /// endpoint's request delegate, and each call runs its binding, its store read and its JSON or problem answer.
    /// </summary>
    private async Task WarmRoutesAsync(CancellationToken cancellationToken)
    {
        var endpoints = _services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var absent = Ids.Document(Tenants.Default, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Sample)));
        await CallAsync(endpoints, "/healthz", "/healthz", null, null, cancellationToken);
        await CallAsync(endpoints, "/v1/documents/", "/v1/documents", "?limit=1", null, cancellationToken);
        await CallAsync(endpoints, "/v1/documents/{id}", "/v1/documents/" + absent, null, ("id", absent), cancellationToken);
    }

    private async Task CallAsync(
        List<RouteEndpoint> endpoints, string pattern, string path, string? query, (string Name, string Value)? route, CancellationToken cancellationToken)
    {
        var endpoint = endpoints.FirstOrDefault(e => string.Equals(e.RoutePattern.RawText, pattern, StringComparison.Ordinal) && IsGet(e));
        if (endpoint?.RequestDelegate is null)
        {
            return; // a host without this route
        }

        await using var scope = _services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, RequestAborted = cancellationToken };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        if (route is { } value)
        {
            context.Request.RouteValues[value.Name] = value.Value;
        }

        context.User = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(Caller.TenantClaim, Tenants.Default), new Claim(Caller.RoleClaim, nameof(SluiceRole.Reader).ToLowerInvariant())], Component));
        context.Response.Body = Stream.Null;
        context.SetEndpoint(endpoint);
        await endpoint.RequestDelegate(context);
    }

    private static bool IsGet(Endpoint endpoint)
        => endpoint.Metadata.GetMetadata<HttpMethodMetadata>() is not { } methods || methods.HttpMethods.Contains(HttpMethods.Get);

    [LoggerMessage(1, LogLevel.Information, "Warmed up in {Milliseconds} ms; reporting ready")]
    private static partial void LogWarmedUp(ILogger logger, long milliseconds);

    [LoggerMessage(2, LogLevel.Warning, "The warm-up did not finish within {Timeout} (Sluice:Warmup:Timeout); reporting ready anyway")]
    private static partial void LogTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(3, LogLevel.Warning, "A part of the warm-up failed ({Step}); carrying on without it")]
    private static partial void LogStepFailed(ILogger logger, Exception exception, string step);
}
