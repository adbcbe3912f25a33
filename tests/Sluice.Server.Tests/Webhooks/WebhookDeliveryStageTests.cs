using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Core.Events;
using Sluice.Core.Ports;
using Sluice.Core.Stages;
using Sluice.Embedded;
using Sluice.Server.Webhooks;
using StatusChange = Sluice.Core.Ports.StatusChange;

namespace Sluice.Server.Tests.Webhooks;

/// <summary>
/// The <c>webhooks</c> stage on its own, as the host registers it (named client, guarded connections), against a real
/// receiver on loopback: what each answer means for the delivery.
/// </summary>
public sealed class WebhookDeliveryStageTests : IAsyncDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-tests", Guid.NewGuid().ToString("N"));
    private readonly SqliteWebhookStore _store;
    private ServiceProvider? _services;
    private WebhookReceiver? _receiver;

    public WebhookDeliveryStageTests()
    {
        Directory.CreateDirectory(_directory);
        _store = new SqliteWebhookStore(Options.Create(new SqliteStoreOptions { StatusPath = Path.Combine(_directory, "status.db") }));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(200, "succeeded")]
    [InlineData(202, "succeeded")]
    [InlineData(500, "transient")]
    [InlineData(503, "transient")]
    [InlineData(408, "transient")]
    [InlineData(429, "transient")]
    [InlineData(404, "transient")] // a client error is retried for a while…
    [InlineData(302, "transient")] // …and so is a redirect, which is never followed
    public async Task AnAnswer_DecidesTheDelivery(int status, string expected)
    {
        var stage = await StageAsync();
        _receiver!.Mode = ReceiverMode.Answer;
        _receiver.AnswerStatus = status;

        var result = await stage.HandleAsync(Context(attempt: 1), Ct);

        Assert.Equal(expected, Name(result));
        if (status == 429)
        {
            Assert.Equal(TimeSpan.FromSeconds(7), ((StageResult.TransientFailure)result).RetryAfter);
        }

        if (result is StageResult.TransientFailure failure)
        {
            Assert.Equal($"the receiver answered {status}", failure.Reason);
        }
    }

    [Fact]
    public async Task AClientError_IsPermanent_AtTheConfiguredAttempt()
    {
        var stage = await StageAsync(clientErrorAttempts: 3);
        _receiver!.Mode = ReceiverMode.Reject;

        Assert.Equal("transient", Name(await stage.HandleAsync(Context(attempt: 2), Ct)));
        var last = Assert.IsType<StageResult.PermanentFailure>(await stage.HandleAsync(Context(attempt: 3), Ct));
        Assert.Equal("the receiver answered 400 (attempt 3 of 3 for a client error)", last.Reason);
    }

    [Fact]
    public async Task Gone_DeletesTheSubscription_AndEndsTheDelivery()
    {
        var stage = await StageAsync();
        _receiver!.Mode = ReceiverMode.Answer;
        _receiver.AnswerStatus = 410;

        Assert.Equal("succeeded", Name(await stage.HandleAsync(Context(attempt: 1), Ct)));
        Assert.Null(await _store.GetAsync("acme", "wh_1", Ct));
        Assert.Equal("succeeded", Name(await stage.HandleAsync(Context(attempt: 1), Ct))); // and later deliveries are skipped
        Assert.Single(_receiver.Refused);
    }

    [Fact]
    public async Task ADeletedSubscription_IsSkipped_WithoutARequest()
    {
        var stage = await StageAsync();
        await _store.DeleteAsync("acme", "wh_1", Ct);

        Assert.Equal("succeeded", Name(await stage.HandleAsync(Context(attempt: 1), Ct)));
        Assert.Empty(_receiver!.Accepted);
        Assert.Empty(_receiver.Refused);
    }

    [Fact]
    public async Task ATimeout_IsTransient_AndSaysWhichSetting()
    {
        var stage = await StageAsync(timeout: TimeSpan.FromMilliseconds(300));
        _receiver!.Mode = ReceiverMode.Hang;

        var result = Assert.IsType<StageResult.TransientFailure>(await stage.HandleAsync(Context(attempt: 1), Ct));

        Assert.Equal("the receiver did not answer within 0.3 s (Sluice:Webhooks:Timeout)", result.Reason);
    }

    [Fact]
    public async Task AHostThatResolvesToLoopbackAtDelivery_IsRefused_EvenIfItWasAcceptedAtCreation()
    {
        // Created while private networks were allowed (or while the name resolved elsewhere): the delivery checks the
        // address it would really connect to, and never sends.
        var stage = await StageAsync(allowPrivateNetworks: false, host: "localhost");

        var result = Assert.IsType<StageResult.PermanentFailure>(await stage.HandleAsync(Context(attempt: 1), Ct));

        Assert.Contains("loopback", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_receiver!.Refused);
        Assert.Empty(_receiver.Accepted);
    }

    [Fact]
    public async Task AConnectionFailure_IsTransient()
    {
        var stage = await StageAsync();
        await _receiver!.DisposeAsync(); // nobody listens on the port any more

        var result = Assert.IsType<StageResult.TransientFailure>(await stage.HandleAsync(Context(attempt: 1), Ct));

        Assert.StartsWith("could not reach the receiver", result.Reason, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<WebhookDeliveryStage> StageAsync(
        bool allowPrivateNetworks = true, int clientErrorAttempts = 3, TimeSpan? timeout = null, string host = "127.0.0.1")
    {
        _receiver = await WebhookReceiver.StartAsync();
        var url = new UriBuilder(_receiver.Url) { Host = host }.Uri.ToString();
        await _store.CreateAsync(new WebhookSubscription("wh_1", "acme", url, StatusChangeTypes.All, WebhookSecrets.Generate(), Now, 0), Ct);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sluice:Webhooks:AllowPrivateNetworks"] = allowPrivateNetworks ? "true" : "false",
            ["Sluice:Webhooks:ClientErrorAttempts"] = clientErrorAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sluice:Webhooks:Timeout"] = (timeout ?? TimeSpan.FromSeconds(10)).ToString(),
        }).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddSingleton<IWebhookStore>(_store);
        services.AddSluiceWebhookDelivery();
        _services = services.BuildServiceProvider();
        return (WebhookDeliveryStage)_services.GetRequiredKeyedService<IStage>(StageNames.Webhooks);
    }

    private static StageContext Context(int attempt)
    {
        var change = new StatusChange(7, StatusChangeTypes.Completed, "acme", "doc-1", 1, DocumentState.Completed, null, null, null, null, Now);
        var envelope = EventEnvelope.Create(
            Topics.WebhookDeliveries, "acme", "doc-1", new WebhookDelivery("wh_1", change), WebhookRelay.DeliveryId("wh_1", 7), Now);
        return new StageContext(envelope, attempt, (_, _) => Task.CompletedTask);
    }

    private static string Name(StageResult result) => result switch
    {
        StageResult.Succeeded => "succeeded",
        StageResult.TransientFailure => "transient",
        StageResult.PermanentFailure => "permanent",
        _ => "?",
    };
}
