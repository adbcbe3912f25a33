using Sluice.Server.Api;

namespace Sluice.Server;

/// <summary>Builds the Sluice host: API and/or stages, on the embedded adapters.</summary>
public static class SluiceApp
{
    /// <summary>
    /// A builder configured from the usual sources (appsettings, <c>SLUICE__…</c>-style environment
    /// variables, command line) plus <paramref name="overrides"/> (e.g. from CLI flags).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddEnvironmentVariables();
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var options = builder.Configuration.GetSection(SluiceOptions.Section).Get<SluiceOptions>() ?? new SluiceOptions();
        builder.Services.AddOptions<SluiceOptions>().BindConfiguration(SluiceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never;
        });
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
        builder.Services.AddSluiceEmbedded();
        builder.Services.AddSluicePipeline(options);
        return builder;
    }

    /// <summary>Maps the API (when <see cref="SluiceOptions.RunApi"/>), health checks and the OpenAPI document.</summary>
    public static WebApplication MapSluice(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealthApi();
        app.MapOpenApi();
        app.MapDocumentsApi();
        app.MapSearchApi();
        return app;
    }
}
