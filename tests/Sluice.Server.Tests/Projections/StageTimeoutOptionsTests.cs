using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sluice.Server.Tests.Projections;

/// <summary><c>Sluice:StageTimeouts</c>: per-stage limits by stage name, generous defaults, and a typo is an error rather than ignored.</summary>
public sealed class StageTimeoutOptionsTests
{
    [Fact]
    public void LimitsAreSetByStageName_TheOthersKeepTheirDefaults()
    {
        var options = Bind(new() { ["Sluice:StageTimeouts:extract"] = "00:00:30", ["Sluice:StageTimeouts:status-projection"] = "00:00:05" });

        Assert.Equal(TimeSpan.FromSeconds(30), options.For("extract"));
        Assert.Equal(TimeSpan.FromSeconds(5), options.For("status-projection"));
        Assert.Equal(TimeSpan.FromMinutes(30), options.For("summarize"));
        Assert.Equal(TimeSpan.FromMinutes(10), options.For("embed"));
    }

    [Fact]
    public void AnUnknownStage_IsAnError_NotASilentlyIgnoredSetting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { ["Sluice:StageTimeouts:extrat"] = "00:00:30" }));
        Assert.Contains("Sluice:StageTimeouts takes stage names only: extract, chunk", error.Message, StringComparison.Ordinal);
    }

    private static StageTimeoutOptions Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSluicePipeline(new SluiceOptions { Stages = "extract" });
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<StageTimeoutOptions>>().Value;
    }
}
