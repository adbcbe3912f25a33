using Sluice.Core.Ports;

namespace Sluice.Core.Tests.Ports;

public class ConsumerSettingsTests
{
    private const string NoGroup = "A consumer needs a group id.";
    private const string NoTopics = "A consumer needs at least one topic, and topic names must not be blank.";

    [Fact]
    public void ThrowIfInvalid_AcceptsAGroupWithTopics()
    {
        ConsumerSettings.ThrowIfInvalid(new ConsumerSettings("workers", ["documents", "chunks"]) { InstanceId = "worker-1" });
    }

    [Fact]
    public void ThrowIfInvalid_RejectsNull_NamingTheCallersArgument()
    {
        ConsumerSettings? settings = null;

        var error = Assert.Throws<ArgumentNullException>(() => ConsumerSettings.ThrowIfInvalid(settings));

        Assert.Equal(nameof(settings), error.ParamName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void ThrowIfInvalid_RejectsABlankGroupId(string? group)
    {
        var settings = new ConsumerSettings(group!, ["documents"]);

        var error = Assert.Throws<ArgumentException>(() => ConsumerSettings.ThrowIfInvalid(settings));

        Assert.Equal(nameof(settings), error.ParamName);
        Assert.StartsWith(NoGroup, error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string[]?> MissingOrBlankTopics => new()
    {
        null!,
        Array.Empty<string>(),
        new[] { "documents", "" },
        new[] { " " },
        new[] { "documents", null! },
    };

    [Theory]
    [MemberData(nameof(MissingOrBlankTopics))]
    public void ThrowIfInvalid_RejectsMissingOrBlankTopics(string[]? topics)
    {
        var settings = new ConsumerSettings("workers", topics!);

        var error = Assert.Throws<ArgumentException>(() => ConsumerSettings.ThrowIfInvalid(settings));

        Assert.Equal(nameof(settings), error.ParamName);
        Assert.StartsWith(NoTopics, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThrowIfInvalid_ChecksACopyMadeWithWith()
    {
        var settings = new ConsumerSettings("workers", ["documents"]) with { GroupId = " " };

        Assert.Throws<ArgumentException>(() => ConsumerSettings.ThrowIfInvalid(settings));
    }
}
