using System.Text;
using Sluice.Server.Webhooks;

namespace Sluice.Server.Tests.Webhooks;

/// <summary>Secrets and signatures as Standard Webhooks defines them.</summary>
public sealed class WebhookSecretsTests
{
    [Fact]
    public void Sign_MatchesTheStandardsOwnExample()
    {
        // The example of the Standard Webhooks specification and its reference libraries.
        var signature = WebhookSecrets.Sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, Encoding.UTF8.GetBytes("""{"test": 2432232314}"""));

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void Generate_Makes32RandomBytes_InTheStandardForm_EachTimeAnother()
    {
        var one = WebhookSecrets.Generate();
        var two = WebhookSecrets.Generate();

        Assert.StartsWith("whsec_", one, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(one["whsec_".Length..]).Length);
        Assert.True(WebhookSecrets.IsValid(one));
        Assert.NotEqual(one, two);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")] // no prefix
    [InlineData("whsec_")] // nothing
    [InlineData("whsec_not base64!")]
    [InlineData("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 21 bytes: too short
    public void IsValid_RefusesWhatIsNotAStandardSecret(string? secret) => Assert.False(WebhookSecrets.IsValid(secret));

    [Fact]
    public void IsValid_Takes24To64Bytes()
    {
        Assert.True(WebhookSecrets.IsValid("whsec_" + Convert.ToBase64String(new byte[24])));
        Assert.True(WebhookSecrets.IsValid("whsec_" + Convert.ToBase64String(new byte[64])));
        Assert.False(WebhookSecrets.IsValid("whsec_" + Convert.ToBase64String(new byte[23])));
        Assert.False(WebhookSecrets.IsValid("whsec_" + Convert.ToBase64String(new byte[65])));
    }
}
