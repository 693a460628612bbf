using OrleansIngest.Grains;

namespace OrleansIngest.Grains.Tests;

public sealed class CompletionSnapshotTests
{
    [Fact]
    [Trait("Category", "Unit")]
    public void CountsReadWhileTheListingFinished_DoNotCompleteTheJob()
    {
        // The listing added its only page and marked itself done while the counts (0 open) were in flight.
        Assert.False(CompletionSnapshot.AllUnitsCounted(new(ListingDone: false, UnitsVersion: 0), new(ListingDone: true, UnitsVersion: 1), openUnits: 0));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void UnitsReopenedWhileCountsWereRead_DoNotCompleteTheJob()
    {
        Assert.False(CompletionSnapshot.AllUnitsCounted(new(true, 3), new(true, 4), openUnits: 0));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void ListingRestartedWhileCountsWereRead_DoesNotCompleteTheJob()
    {
        Assert.False(CompletionSnapshot.AllUnitsCounted(new(true, 3), new(false, 3), openUnits: 0));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void OpenUnits_DoNotCompleteTheJob()
    {
        Assert.False(CompletionSnapshot.AllUnitsCounted(new(true, 3), new(true, 3), openUnits: 1));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void SettledUnitsAfterAFinishedListing_CompleteTheJob()
    {
        Assert.True(CompletionSnapshot.AllUnitsCounted(new(true, 3), new(true, 3), openUnits: 0));
    }
}
