using Microsoft.Extensions.DependencyInjection.Extensions;
using Sluice.Core.Health;
using Sluice.Server.Api;
using Sluice.Server.Dev;
using Sluice.Server.Hosting;
using Sluice.Server.Maintenance;
using Sluice.Server.Quotas;
using Sluice.Server.Security;
using Sluice.Server.Telemetry;
using Sluice.Server.Webhooks;

namespace Sluice.Server;

/// <summary>Builds Sluice's hosts: the API with any stages, or stages alone; on the embedded log or on Kafka.</summary>
public static class SluiceApp
{
    /// <summary>
    /// A builder for a process that serves the API (and runs the stages named in <c>Sluice:Stages</c>), configured
    /// from the usual sources (appsettings, <c>Sluice__…</c> environment variables, command line) plus
    /// <paramref name="overrides"/> (e.g. from CLI flags).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateSlimBuilder(WithoutConfigReload(args));
        Configure(builder, overrides);
        builder.Services.AddSluiceTracing(builder.Configuration, "api");

        // The process that serves the API also keeps the dead-letter view the API reads.
        builder.Services.AddOptions<DeadLetters.DeadLetterOptions>().BindConfiguration(DeadLetters.DeadLetterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<DeadLetters.DeadLetterReplayer>();
        builder.Services.AddSingleton<DeadLetters.ReplayJobs>();
        builder.Services.AddSingleton<IHostedService>(sp => new Hosting.StartAfterProvisioning(
            ActivatorUtilities.CreateInstance<DeadLetters.DeadLetterProjection>(sp), sp.GetRequiredService<Hosting.TopicProvisioner>()));
        builder.Services.AddSingleton<DeadLetters.DeadLetterMaintenance>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeadLetters.DeadLetterMaintenance>());

        // ...the relay that turns status changes into webhook deliveries (the webhooks stage sends them)...
        builder.Services.AddSluiceWebhookRelay();

        // ...and its housekeeping: redriving documents accepted but never published, pruning the status store.
        builder.Services.AddSluiceHousekeeping();

        // Live status streams (server-sent events) read the status store's change feed.
        builder.Services.AddSluiceEvents();

        builder.Services.AddSluiceSecurity();
        builder.Services.AddSluiceHardening();
        builder.Services.AddProblemDetails();
        builder.Services.AddSluiceRateLimits();
        builder.Services.AddExceptionHandler<Hosting.ProblemExceptionHandler>();
        builder.Services.AddSluiceReadinessChecks();
        builder.Services.AddSluiceWarmup();
        builder.Services.AddSluiceMetrics(builder.Configuration);
        builder.Services.AddSluiceOperations();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });
        return builder;
    }

    /// <summary>A builder for a process that only runs stages (<c>sluice worker</c>): no HTTP listener.</summary>
    public static HostApplicationBuilder CreateWorkerBuilder(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = Host.CreateApplicationBuilder(WithoutConfigReload(args));
        Configure(builder, overrides);
        builder.Services.AddSluiceTracing(builder.Configuration, "worker");

        // The same meters as the API process: for Prometheus (its listener is the host's) and, when configured, OTLP.
        builder.Services.AddSluiceMetrics(builder.Configuration, "worker");
        return builder;
    }

    /// <summary>
    /// A process that only runs stages (<c>sluice worker</c>). With listen addresses (<see cref="WorkerUrls"/>) it serves
    /// <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> on a slim Kestrel and nothing else (no API route, no
    /// authentication: none of them carries a tenant's data); without, it has no listener at all.
    /// </summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="overrides">Settings on top of the usual sources (e.g. from CLI flags).</param>
    /// <param name="services">Changes to the services, for tests.</param>
    public static IHost BuildWorker(
        string[] args, IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var urls = WorkerUrls(overrides);
        if (urls is null)
        {
            var plain = CreateWorkerBuilder(args, overrides);
            services?.Invoke(plain.Services);
            return plain.Build();
        }

        var builder = WebApplication.CreateSlimBuilder(WithoutConfigReload(args));
        Configure(builder, overrides);
        builder.Services.AddSluiceTracing(builder.Configuration, "worker");
        builder.Services.AddSluiceReadinessChecks();
        builder.Services.AddSluiceMetrics(builder.Configuration, "worker");
        builder.WebHost.UseUrls(urls);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapHealthApi();
        app.MapSluiceMetrics();
        return app;
    }

    /// <summary>
    /// Where a worker listens: <c>Sluice:Worker:Urls</c> (what <c>sluice worker --urls</c> sets), else
    /// <c>ASPNETCORE_URLS</c>; null (no listener) when neither is set. Read before the host is built, since it decides
    /// which kind of host to build: from <paramref name="overrides"/>, the environment and <c>appsettings.json</c>.
    /// </summary>
    public static string? WorkerUrls(IReadOnlyDictionary<string, string?>? overrides)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>())
            .Build();
        var urls = configuration["Sluice:Worker:Urls"];
        if (string.IsNullOrWhiteSpace(urls))
        {
            urls = configuration["ASPNETCORE_URLS"];
        }

        return string.IsNullOrWhiteSpace(urls) ? null : urls.Trim();
    }

    /// <summary>
    /// Turns off reloading appsettings files on change. Reloading watches the content root recursively, and the
    /// data directory (<c>./sluice-data</c> by default) lives under it: every blob and every database write would
    /// wake the watcher. Sluice reads its settings once, at start.
    /// </summary>
    private static string[] WithoutConfigReload(string[] args) => ["--hostBuilder:reloadConfigOnChange=false", .. args];

    private static void Configure(IHostApplicationBuilder builder, IReadOnlyDictionary<string, string?>? overrides)
    {
        builder.Configuration.AddEnvironmentVariables();
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var options = builder.Configuration.GetSection(SluiceOptions.Section).Get<SluiceOptions>() ?? new SluiceOptions();
        builder.Services.AddOptions<SluiceOptions>().BindConfiguration(SluiceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

        // One line per HTTP request drowns the pipeline's own log; a more specific category in configuration
        // (e.g. Logging:LogLevel:Microsoft.AspNetCore.Hosting) brings them back.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Each readiness check logs its own failures; the health check service would log every failed probe again.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical);
        builder.Services.TryAddSingleton<ReadinessSignals>();
        builder.Services.AddSluiceAdapters(options, builder.Configuration);
        builder.Services.AddSluiceFaultInjection(builder.Configuration);
        builder.Services.AddSluicePipeline(options);
    }

    /// <summary>Maps the API, health checks and the OpenAPI document.</summary>
    public static WebApplication MapSluice(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSluiceHardening();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authentication: the limits are per caller's tenant
        app.MapHealthApi();
        app.MapSluiceMetrics();
        app.MapOpenApi();
        app.MapDocumentsApi();
        app.MapSearchApi();
        app.MapDeadLettersApi();
        app.MapEventsApi();
        app.MapKeysApi();
        app.MapWebhooksApi();
        app.MapPipelineApi();
        return app;
    }
}
