using System.ComponentModel.DataAnnotations;

namespace Sluice.Processing.Tests.Chunking;

public sealed class ChunkerOptionsTests
{
    [Fact]
    public void Defaults_fit_the_MiniLM_window()
    {
        var options = new ChunkerOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(256, options.MaxTokens);
        Assert.Equal(254, options.MaxContentTokens);
        Assert.InRange(options.TargetTokens, options.OverlapTokens * 2, options.MaxContentTokens);
    }

    [Theory]
    [InlineData(256, 255, 40)]
    [InlineData(256, 200, 101)]
    [InlineData(2, 1, 0)]
    [InlineData(1024, 200, 40)]
    [InlineData(256, 0, 0)]
    [InlineData(256, 200, -1)]
    public void Inconsistent_sizes_are_rejected(int max, int target, int overlap)
    {
        var options = new ChunkerOptions { MaxTokens = max, TargetTokens = target, OverlapTokens = overlap };

        Assert.NotEmpty(Validate(options));
        Assert.Throws<ValidationException>(() => new TextChunker(MiniLmVocabulary.Tokenizer, options));
    }

    [Fact]
    public void Target_may_use_the_whole_window_less_the_special_tokens()
    {
        var options = new ChunkerOptions { MaxTokens = 256, TargetTokens = 254, OverlapTokens = 0 };

        Assert.Empty(Validate(options));
    }

    private static List<ValidationResult> Validate(ChunkerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
