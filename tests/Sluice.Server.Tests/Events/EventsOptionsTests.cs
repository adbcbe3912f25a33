using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sluice.Server.Api;
using Sluice.Server.Events;

namespace Sluice.Server.Tests.Events;

/// <summary><c>Sluice:Events</c>: defaults that suit proxies, and settings out of range are errors at start.</summary>
public sealed class EventsOptionsTests
{
    [Fact]
    public void Defaults_PollFourTimesASecond_AndKeepAliveEvery15Seconds()
    {
        var options = Bind([]);

        Assert.Equal((TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(15), 100), (options.PollInterval, options.KeepAliveInterval, options.BatchSize));
    }

    [Theory]
    [InlineData("Sluice:Events:PollInterval", "00:00:00", "PollInterval")]
    [InlineData("Sluice:Events:KeepAliveInterval", "01:00:00", "KeepAliveInterval")]
    [InlineData("Sluice:Events:BatchSize", "0", "BatchSize")]
    public void AnOutOfRangeSetting_IsAnError(string key, string value, string named)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static EventsOptions Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSluiceEvents();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<EventsOptions>>().Value;
    }
}
