using System.CommandLine;
using System.Globalization;
using Sluice.Server;
using Sluice.Server.Hosting;

namespace Sluice.Cli.Commands;

/// <summary>
/// The benchmarks' telemetry switch (<c>--telemetry off|on|both</c>): off, Sluice runs as it does by default (no
/// listener: no span is created); on, every span is recorded (sampling 100%) and exported by OTLP, and metrics are
/// exported by OTLP every second and scraped from <c>/metrics</c> every second, all to an in-process sink that counts
/// and discards. <c>both</c> runs off, then on, in one run (off first: an ended variant leaves no listener behind).
/// </summary>
internal sealed class BenchTelemetry : IAsyncDisposable
{
    private readonly WebApplication? _sink;
    private long _traceExports;
    private long _metricExports;
    private long _bytes;
    private long _scrapes;
    private CancellationTokenSource? _scraping;
    private Task _scraper = Task.CompletedTask;

    private BenchTelemetry(WebApplication? sink) => _sink = sink;

    public bool On => _sink is not null;

    public string Label => On ? "on" : "off";

    public static Option<string> CreateOption(string? defaultValue)
    {
        var option = new Option<string>("--telemetry")
        {
            Description = "off, on (every span exported by OTLP, metrics exported and scraped, to an in-process sink) or both (off, then on, and their ratio)",
        };
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }

        option.AcceptOnlyFromAmong("off", "on", "both");
        return option;
    }

    /// <summary>The variants a <c>--telemetry</c> value asks for, in the order they run.</summary>
    public static bool[] Variants(string mode) => mode switch
    {
        "on" => [true],
        "both" => [false, true],
        _ => [false],
    };

    /// <summary>Starts the sink for a variant with telemetry on; nothing for one with it off.</summary>
    public static async Task<BenchTelemetry> StartAsync(bool on, CancellationToken cancellationToken)
    {
        if (!on)
        {
            return new BenchTelemetry(null);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        var sink = builder.Build();
        var telemetry = new BenchTelemetry(sink);
        sink.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            Interlocked.Add(ref telemetry._bytes, body.Length);
            Interlocked.Increment(ref signal == "traces" ? ref telemetry._traceExports : ref telemetry._metricExports);
            return Results.Bytes([], "application/x-protobuf");
        });
        await sink.StartAsync(cancellationToken);
        return telemetry;
    }

    /// <summary>The settings that turn telemetry on for a Sluice host (none when off).</summary>
    public IReadOnlyDictionary<string, string?> Settings => _sink is null
        ? new Dictionary<string, string?>()
        : new Dictionary<string, string?>
        {
            ["Sluice:Telemetry:OtlpEndpoint"] = _sink.Urls.First(),
            ["Sluice:Telemetry:SampleRatio"] = "1",
            ["Sluice:Telemetry:Prometheus"] = "true",
            ["Sluice:Telemetry:OtlpMetrics"] = "true",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        };

    /// <summary>With telemetry on, scrapes <c>/metrics</c> of the server <paramref name="http"/> talks to every second.</summary>
    public void StartScraping(HttpClient http)
    {
        if (_sink is null)
        {
            return;
        }

        _scraping = new CancellationTokenSource();
        var token = _scraping.Token;
        _scraper = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri("metrics", UriKind.Relative), token);
                    _ = await response.Content.ReadAsByteArrayAsync(token);
                    Interlocked.Increment(ref _scrapes);
                    await Task.Delay(1000, token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpRequestException)
                {
                }
            }
        }, CancellationToken.None);
    }

    /// <summary>What the sink took in, for the run's report.</summary>
    public void PrintTotals()
    {
        if (_sink is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"telemetry on: {Interlocked.Read(ref _traceExports)} trace exports and {Interlocked.Read(ref _metricExports)} metric exports ({Interlocked.Read(ref _bytes) / 1024.0:F0} KiB), {Interlocked.Read(ref _scrapes)} scrapes"));
        }
    }

    /// <summary>Prints each variant's figures, and on/off ratios when both ran.</summary>
    public static void PrintComparison(IReadOnlyList<(string Label, IReadOnlyList<(string Name, double Value)> Figures)> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var names = rows[0].Figures.Select(f => f.Name).ToList();
        Console.WriteLine();
        Console.WriteLine("telemetry  " + string.Join("  ", names.Select(n => n.PadLeft(Math.Max(10, n.Length)))));
        foreach (var (label, figures) in rows)
        {
            Console.WriteLine(label.PadRight(9) + "  " + string.Join("  ", names.Select((n, i) => figures[i].Value.ToString("F1", CultureInfo.InvariantCulture).PadLeft(Math.Max(10, n.Length)))));
        }

        var off = rows.FirstOrDefault(r => r.Label == "off");
        var on = rows.FirstOrDefault(r => r.Label == "on");
        if (off.Figures is not null && on.Figures is not null)
        {
            Console.WriteLine("on / off".PadRight(9) + "  " + string.Join("  ", names.Select((n, i) =>
                (off.Figures[i].Value == 0 ? double.NaN : on.Figures[i].Value / off.Figures[i].Value).ToString("F2", CultureInfo.InvariantCulture).PadLeft(Math.Max(10, n.Length)))));
        }
    }

    /// <summary>Starts the whole of Sluice in this process on a fresh data directory, with this variant's telemetry.</summary>
    public async Task<WebApplication> StartSluiceAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>(Settings) { ["Sluice:DataDirectory"] = dataDirectory };
        var builder = SluiceApp.CreateBuilder([], settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        var app = builder.Build();
        app.MapSluice();
        await app.StartAsync(cancellationToken);
        await app.Services.GetRequiredService<TopicProvisioner>().Provisioned.WaitAsync(cancellationToken);
        return app;
    }

    /// <summary>Stops scraping (before the server stops).</summary>
    public async Task StopScrapingAsync()
    {
        if (_scraping is not null)
        {
            await _scraping.CancelAsync();
            await _scraper;
            _scraping.Dispose();
            _scraping = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopScrapingAsync();

        if (_sink is not null)
        {
            await _sink.DisposeAsync();
        }
    }
}
