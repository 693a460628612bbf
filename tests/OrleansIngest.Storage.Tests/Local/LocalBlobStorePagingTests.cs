using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Local;

[Trait("Category", "Unit")]
public sealed class LocalBlobStorePagingTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(50)]
    public async Task ListPage_PagesYieldExactlyTheListingInOrder(int pageSize)
    {
        WriteFiles(Names(12));
        var store = new LocalBlobStore();

        var pages = await PagesAsync(store, _temp.Path, pageSize);

        var expected = await ListAsync(store, _temp.Path);
        Assert.Equal(12, expected.Count);
        Assert.Equal(expected, pages.SelectMany(p => p.Items));
        Assert.All(pages, p => Assert.InRange(p.Items.Count, 1, pageSize));
        Assert.All(pages[..^1], p => Assert.NotNull(p.ContinuationToken));
        Assert.Null(pages[^1].ContinuationToken);
        // 12 objects fill whole pages for sizes 1, 3 and 4: no trailing empty page after the last full one.
        Assert.Equal((12 + pageSize - 1) / pageSize, pages.Count);
    }

    [Fact]
    public async Task ListPage_OfAnEmptySourceIsOneEmptyPageWithoutAToken()
    {
        var store = new LocalBlobStore();

        var page = await store.ListPageAsync(_temp.Path, continuationToken: null, pageSize: 5);

        Assert.Empty(page.Items);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task ListPage_ResumesRightAfterASavedTokenOnANewStore()
    {
        WriteFiles(Names(10));
        var first = new LocalBlobStore();
        var expected = await ListAsync(first, _temp.Path);
        var page1 = await first.ListPageAsync(_temp.Path, null, 3);
        var page2 = await first.ListPageAsync(_temp.Path, page1.ContinuationToken, 3);
        var saved = page2.ContinuationToken;
        Assert.NotNull(saved);

        // A restarted job: a fresh store, only the checkpointed token carried over.
        var restarted = new LocalBlobStore();
        var rest = await PagesAsync(restarted, _temp.Path, 3, saved);

        Assert.Equal(expected, page1.Items.Concat(page2.Items).Concat(rest.SelectMany(p => p.Items)));
        Assert.Equal(expected[6..], rest.SelectMany(p => p.Items));
    }

    [Fact]
    public async Task ListPage_AFileAddedAfterTheTokenPositionAppearsOnResume()
    {
        WriteFiles(Names(6));
        var store = new LocalBlobStore();
        var page1 = await store.ListPageAsync(_temp.Path, null, 2);
        Assert.NotNull(page1.ContinuationToken);

        // Sorts after every existing name, so it lies ahead of the saved position.
        WriteFiles(["z/late.wav"]);
        var rest = await PagesAsync(new LocalBlobStore(), _temp.Path, 2, page1.ContinuationToken);

        var resumed = rest.SelectMany(p => p.Items).Select(o => o.RelativePath).ToList();
        Assert.Equal("z/late.wav", resumed[^1]);
        Assert.Equal(page1.Items.Select(o => o.RelativePath).Concat(resumed), (await ListAsync(store, _temp.Path)).Select(o => o.RelativePath));
    }

    private static List<string> Names(int count) =>
        Enumerable.Range(0, count).Select(i => $"{(i % 2 == 0 ? "a" : "b/deep")}/{i:D2}.wav").ToList();

    private void WriteFiles(IEnumerable<string> relativePaths)
    {
        foreach (var relative in relativePaths)
        {
            var path = _temp.Combine(relative.Split('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, relative);
        }
    }

    private static async Task<List<SourcePage>> PagesAsync(IBlobStore store, string root, int pageSize, string? token = null)
    {
        var pages = new List<SourcePage>();
        do
        {
            var page = await store.ListPageAsync(root, token, pageSize);
            pages.Add(page);
            token = page.ContinuationToken;
            // A store that never ends its listing fails here instead of looping forever.
            Assert.True(pages.Count <= 1000, "the listing did not end");
        }
        while (token is not null);

        return pages;
    }

    private static async Task<List<SourceObject>> ListAsync(IBlobStore store, string root)
    {
        var listed = new List<SourceObject>();
        await foreach (var item in store.ListAsync(root))
        {
            listed.Add(item);
        }

        return listed;
    }
}
