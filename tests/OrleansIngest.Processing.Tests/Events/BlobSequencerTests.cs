using OrleansIngest.Processing.Events;

namespace OrleansIngest.Processing.Tests.Events;

[Trait("Category", "Unit")]
public sealed class BlobSequencerTests
{
    [Theory]
    [InlineData("00000000000000000000000000012ab40000000000a1b2c3", "00000000000000000000000000012ab40000000000a1b2c4", -1)]
    [InlineData("0000000000000000000000000000000f", "00000000000000000000000000000010", -1)]
    [InlineData("00ff", "0100", -1)]
    [InlineData("0100", "00ff", 1)]
    [InlineData("abc", "ABC", 0)]
    [InlineData("00000000000000000000000000099240", "99240", 0)]
    public void HexSequencers_CompareAsNumbers(string left, string right, int expectedSign)
    {
        Assert.Equal(expectedSign, Math.Sign(BlobSequencer.Compare(left, right)));
    }

    [Fact]
    public void SequencersOfDifferentLengths_CompareAsIfPadded()
    {
        // Azure's own examples carry 32- and 48-digit sequencers; ordinal comparison would put "f…" after "1…" here.
        const string Short = "0000000000000000000000000000ffff";
        const string Long = "000000000000000000000000000000000000000000010000";

        Assert.True(BlobSequencer.Compare(Short, Long) < 0);
        Assert.True(BlobSequencer.Compare(Long, Short) > 0);
    }

    [Fact]
    public void NonHexSequencers_FallBackToOrdinalOrder()
    {
        Assert.True(BlobSequencer.Compare("seq-2", "seq-10") > 0);
        Assert.Equal(0, BlobSequencer.Compare("seq-2", "seq-2"));
    }
}
