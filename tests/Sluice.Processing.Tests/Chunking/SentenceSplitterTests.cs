using Sluice.Processing.Internal.Chunking;

namespace Sluice.Processing.Tests.Chunking;

public sealed class SentenceSplitterTests
{
    [Theory]
    [InlineData("The pipeline runs. It stores uploads! Does it chunk? Yes.",
        new[] { "The pipeline runs.", "It stores uploads!", "Does it chunk?", "Yes." })]
    [InlineData("He said \"Stop.\" Then he left (quietly.) After that, nothing.",
        new[] { "He said \"Stop.\"", "Then he left (quietly.)", "After that, nothing." })]
    [InlineData("Wait... Then it happened. Really\u2026 It did.",
        new[] { "Wait...", "Then it happened.", "Really\u2026", "It did." })]
    [InlineData("It ended in 2019. 2020 was different.", new[] { "It ended in 2019.", "2020 was different." })]
    public void Breaks_after_terminal_punctuation_followed_by_a_sentence_start(string text, string[] expected)
    {
        Assert.Equal(expected, Sentences(text));
    }

    [Theory]
    [InlineData("Dr. Smith and Mrs. Jones met Prof. Brown at St. Mary's hospital.")]
    [InlineData("Results differ, e.g. The first run, i.e. The baseline, was slower.")]
    [InlineData("Smith et al. Found a link, cf. Table 2, vs. None before.")]
    [InlineData("J. R. R. Tolkien wrote it in the U.S. Army years.")]
    [InlineData("See Fig. 3 and No. 5 on p. 12 for details.")]
    [InlineData("The value of pi is 3.14159 and e is 2.71828 in every case.")]
    [InlineData("Costs rose, etc. and then fell. again, as usual.")]
    public void Does_not_break_at_abbreviations_initials_decimals_or_before_lower_case(string text)
    {
        Assert.Equal([text], Sentences(text));
    }

    [Fact]
    public void Breaks_after_an_abbreviation_that_often_ends_a_sentence()
    {
        Assert.Equal(["We bought apples, pears, etc.", "Then we went home."],
            Sentences("We bought apples, pears, etc. Then we went home."));
    }

    [Fact]
    public void Breaks_after_CJK_sentence_ends_without_whitespace()
    {
        Assert.Equal(["你好。", "我很好！", "谢谢？"], Sentences("你好。我很好！谢谢？"));
    }

    [Fact]
    public void Blank_lines_end_sentences_and_start_paragraphs()
    {
        const string Text = "First paragraph without a stop\n\n  second paragraph starts lower-case.\r\n\r\nThird one.";

        var spans = SentenceSplitter.Split(Text, CancellationToken.None);

        Assert.Equal(
            ["First paragraph without a stop", "second paragraph starts lower-case.", "Third one."],
            spans.Select(s => Text[s.Start..s.End]));
        Assert.All(spans, s => Assert.True(s.StartsParagraph));
    }

    [Fact]
    public void Wrapped_lines_stay_in_one_sentence()
    {
        const string Text = "This sentence was wrapped by the PDF extractor at a fixed width and\n"
            + "continues on the next line. Then another one follows on the same\nline.";

        Assert.Equal(
            ["This sentence was wrapped by the PDF extractor at a fixed width and\ncontinues on the next line.",
                "Then another one follows on the same\nline."],
            Sentences(Text));
    }

    [Fact]
    public void Line_breaks_around_list_items_and_headings_are_boundaries()
    {
        const string Text = "# Setup\nInstall the tools:\n- a compiler\n- a runtime\n1. Clone the repository\n"
            + "2. Build it\nIntroduction\nThe study begins here. It ends.";

        Assert.Equal(
            ["# Setup", "Install the tools:", "- a compiler", "- a runtime", "1. Clone the repository", "2. Build it",
                "Introduction", "The study begins here.", "It ends."],
            Sentences(Text));
    }

    [Fact]
    public void Leading_and_trailing_whitespace_is_not_part_of_any_sentence()
    {
        const string Text = " \n\t One.   Two. \n ";

        var spans = SentenceSplitter.Split(Text, CancellationToken.None);

        Assert.Equal([(4, 8), (11, 15)], spans.Select(s => (s.Start, s.End)));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \r\n\t ")]
    public void Empty_text_has_no_sentences(string text)
    {
        Assert.Empty(SentenceSplitter.Split(text, CancellationToken.None));
    }

    private static IEnumerable<string> Sentences(string text) =>
        SentenceSplitter.Split(text, CancellationToken.None).Select(s => text[s.Start..s.End]);
}
