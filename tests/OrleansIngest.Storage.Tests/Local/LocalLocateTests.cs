using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Local;

/// <summary>
/// <see cref="LocalBlobStore.Locate"/> must place a file named by an event exactly where a listing of the root puts
/// it, or an event and a reconciliation listing would compute two unit ids for one file version.
/// </summary>
[Trait("Category", "Integration")]
public sealed class LocalLocateTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalBlobStore _store = new();

    public LocalLocateTests()
    {
        Directory.CreateDirectory(SourceRoot);
    }

    private string SourceRoot => _temp.Combine("src");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Locate_GivesTheListingsUriAndRelativePathForEveryListedFile()
    {
        Write("a.wav");
        Write("deep/er/b.flac");
        Write("with space/é ü.wav");
        Write("percent%20name.wav");
        var listed = await ListAsync(SourceRoot);

        Assert.Equal(4, listed.Count);
        foreach (var item in listed)
        {
            var located = _store.Locate(SourceRoot, item.Uri);

            Assert.Equal(new SourceLocation(item.Uri, item.RelativePath), located);
        }
    }

    [Fact]
    public async Task Locate_NormalisesAnUnescapedOrDotSegmentUriToTheListingsForm()
    {
        var path = Write("with space/é ü.wav");
        var listed = Assert.Single(await ListAsync(SourceRoot));

        var unescaped = _store.Locate(SourceRoot, "file://" + path);
        var dotted = _store.Locate(SourceRoot, LocalPaths.ToUri(SourceRoot) + "/with%20space/../with%20space/./%C3%A9%20%C3%BC.wav");

        Assert.Equal(new SourceLocation(listed.Uri, listed.RelativePath), unescaped);
        Assert.Equal(new SourceLocation(listed.Uri, listed.RelativePath), dotted);
    }

    [Fact]
    public async Task Locate_AcceptsTheRootAsAPathWithATrailingSlashOrAsAFileUri()
    {
        var path = Write("x/a.wav");
        var listed = Assert.Single(await ListAsync(SourceRoot));
        var expected = new SourceLocation(listed.Uri, listed.RelativePath);

        Assert.Equal(expected, _store.Locate(SourceRoot + "/", LocalPaths.ToUri(path)));
        Assert.Equal(expected, _store.Locate(LocalPaths.ToUri(SourceRoot), LocalPaths.ToUri(path)));
    }

    [Fact]
    public void Locate_GivesNullOutsideTheRoot()
    {
        var outside = _temp.Combine("elsewhere", "a.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
        File.WriteAllText(outside, "x");

        Assert.Null(_store.Locate(SourceRoot, LocalPaths.ToUri(outside)));
        Assert.Null(_store.Locate(SourceRoot, LocalPaths.ToUri(_temp.Path)));
        Assert.Null(_store.Locate(SourceRoot, LocalPaths.ToUri(SourceRoot) + "/../elsewhere/a.wav"));
    }

    [Fact]
    public void Locate_GivesNullForTheRootItself()
    {
        Assert.Null(_store.Locate(SourceRoot, LocalPaths.ToUri(SourceRoot)));
        Assert.Null(_store.Locate(SourceRoot, LocalPaths.ToUri(SourceRoot) + "/"));
    }

    [Fact]
    public async Task Locate_GivesNullForASiblingFolderWhoseNameStartsWithTheRootsName()
    {
        var sibling = _temp.Combine("src2", "a.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(sibling)!);
        File.WriteAllText(sibling, "x");

        Assert.Empty(await ListAsync(SourceRoot));
        Assert.Null(_store.Locate(SourceRoot, LocalPaths.ToUri(sibling)));
    }

    [Fact]
    public async Task Locate_GivesNullForASymbolicLinkWhichListingsLeaveOut()
    {
        var target = _temp.Combine("elsewhere.wav");
        File.WriteAllText(target, "x");
        var link = Path.Combine(SourceRoot, "link.wav");
        File.CreateSymbolicLink(link, target);

        Assert.Empty(await ListAsync(SourceRoot));
        Assert.Null(_store.Locate(SourceRoot, LocalPaths.ToUri(link)));
    }

    [Theory]
    [InlineData(".a.wav")]
    [InlineData(".tmp/a.wav")]
    [InlineData("deep/.partial/a.wav")]
    public async Task Locate_GivesNullForHiddenSegmentsWhichListingsLeaveOut(string relative)
    {
        var path = Write(relative);
        Write("visible.wav");

        Assert.Equal(["visible.wav"], (await ListAsync(SourceRoot)).Select(o => o.RelativePath));
        Assert.Null(_store.Locate(SourceRoot, LocalPaths.ToUri(path)));
    }

    [Theory]
    [InlineData("https://account.blob.core.windows.net/container/src/a.wav")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/container/a.wav")]
    [InlineData("ftp://host/src/a.wav")]
    [InlineData("not a uri")]
    [InlineData("")]
    public void Locate_GivesNullForNonFileUris(string uri)
    {
        Assert.Null(_store.Locate(SourceRoot, uri));
    }

    [Fact]
    public void Locate_GivesNullForAPlainPathThatIsNotAFileUri()
    {
        var path = Write("a.wav");

        Assert.Null(_store.Locate(SourceRoot, path));
    }

    [Fact]
    public void Locate_PlacesAFileThatNoLongerExistsWhereAListingPutItBefore()
    {
        // A deletion event names a file that is gone: it is still placed, so the planner can count it.
        var path = Write("gone/a.wav");
        var uri = LocalPaths.ToUri(path);
        File.Delete(path);

        Assert.Equal(new SourceLocation(uri, "gone/a.wav"), _store.Locate(SourceRoot, uri));
    }

    private string Write(string relative)
    {
        var path = Path.Combine(SourceRoot, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, relative);
        return path;
    }

    private async Task<List<SourceObject>> ListAsync(string root)
    {
        var items = new List<SourceObject>();
        await foreach (var item in _store.ListAsync(root))
        {
            items.Add(item);
        }

        return items;
    }
}
