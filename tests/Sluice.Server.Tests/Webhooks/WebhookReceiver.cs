using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sluice.Server.Tests.Webhooks;

/// <summary>How the receiver answers a delivery.</summary>
internal enum ReceiverMode
{
    /// <summary>204, and the delivery is recorded as received.</summary>
    Accept,

    /// <summary>The connection is dropped without an answer: the receiver is down.</summary>
    Down,

    /// <summary>No answer, ever (until the client gives up).</summary>
    Hang,

    /// <summary>400 Bad Request.</summary>
    Reject,

    /// <summary>The status in <see cref="WebhookReceiver.AnswerStatus"/> (with <c>Retry-After: 7</c> on a 429).</summary>
    Answer,
}

/// <summary>One delivery as the receiver saw it.</summary>
internal sealed record ReceivedDelivery(string Id, string Timestamp, string Signature, byte[] Body, DateTimeOffset At)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>A webhook receiver on a loopback port (Kestrel), whose behaviour the test switches.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedDelivery> _accepted = new();
    private readonly ConcurrentQueue<string> _refused = new();
    private int _hanging;
    private volatile ReceiverMode _mode;

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public ReceiverMode Mode
    {
        get => _mode;
        set => _mode = value;
    }

    /// <summary>What <see cref="ReceiverMode.Answer"/> answers.</summary>
    public int AnswerStatus { get; set; } = 503;

    /// <summary>Deliveries answered with 204, in arrival order (repeats included).</summary>
    public IReadOnlyList<ReceivedDelivery> Accepted => [.. _accepted];

    /// <summary>Ids of deliveries dropped, hung or rejected, in arrival order.</summary>
    public IReadOnlyList<string> Refused => [.. _refused];

    /// <summary>Requests being held without an answer now.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(address.TrimEnd('/') + "/hook");
        return receiver;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (or fails the test after <paramref name="timeout"/>).</summary>
    public async Task WaitForAsync(Func<WebhookReceiver, bool> condition, string what, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!condition(this))
        {
            Assert.True(DateTime.UtcNow < until, $"timed out waiting for the receiver: {what} (accepted {_accepted.Count}, refused {_refused.Count}, hanging {Hanging})");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var id = context.Request.Headers["webhook-id"].ToString();
        switch (_mode)
        {
            case ReceiverMode.Down:
                _refused.Enqueue(id);
                context.Abort();
                return;
            case ReceiverMode.Hang:
                _refused.Enqueue(id);
                Interlocked.Increment(ref _hanging);
                try
                {
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    Interlocked.Decrement(ref _hanging);
                }

                return;
            case ReceiverMode.Reject:
                _refused.Enqueue(id);
                context.Response.StatusCode = 400;
                return;
            case ReceiverMode.Answer:
                _refused.Enqueue(id);
                context.Response.StatusCode = AnswerStatus;
                if (AnswerStatus == 429)
                {
                    context.Response.Headers.RetryAfter = "7";
                }

                return;
            default:
                _accepted.Enqueue(new ReceivedDelivery(
                    id, context.Request.Headers["webhook-timestamp"].ToString(), context.Request.Headers["webhook-signature"].ToString(),
                    buffer.ToArray(), DateTimeOffset.UtcNow));
                context.Response.StatusCode = 204;
                return;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
