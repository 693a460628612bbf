using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Events;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Local;

[Trait("Category", "Integration")]
public sealed class LocalFolderEventSourceTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly LocalFolderEventSourceOptions Fast = new() { SettleDelay = TimeSpan.FromMilliseconds(200), RetryDelay = TimeSpan.FromMilliseconds(50) };

    private readonly TempDirectory _temp = new();
    private readonly string _root;
    private readonly string _outside;

    public LocalFolderEventSourceTests()
    {
        // Both under one temp folder, so moves between them are renames on the same file system.
        _root = _temp.Combine("root");
        _outside = _temp.Combine("outside");
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(_outside);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Watcher_AnnouncesAWrittenFileOnceWithTheListingsUriETagAndSize()
    {
        await using var watch = Watch.Start(new LocalFolderEventSource(_root, Fast));
        var path = Path.Combine(_root, "a", "clip.wav");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, new byte[1234]);

        await watch.WaitForAsync(events => events.Any(e => e.Url == LocalPaths.ToUri(path)));
        var events = await watch.SettleAfterMarkerAsync(_root);

        var announced = Assert.Single(events, e => e.Url == LocalPaths.ToUri(path));
        var listed = Assert.Single(await ListAsync(_root), o => o.RelativePath == "a/clip.wav");
        var lastWrite = File.GetLastWriteTimeUtc(path);
        Assert.Equal(BlobEventKind.Created, announced.Kind);
        Assert.Equal(listed.Uri, announced.Url);
        Assert.Equal(listed.ETag, announced.ETag);
        Assert.Equal(listed.Size, announced.Size);
        Assert.Equal(1234, announced.Size);
        Assert.Equal(lastWrite.Ticks.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), announced.Sequencer);
        Assert.Equal(new DateTimeOffset(lastWrite), announced.Time);
        Assert.True(Guid.TryParse(announced.Id, out _));
    }

    [Fact]
    public async Task Watcher_AnnouncesAFileWrittenInChunksOnceForItsFinalVersion()
    {
        // Pauses of 60 ms against a 600 ms settle delay (only a stall of the test ten times the pause could split the
        // file), over 25 chunks, so that the whole write lasts well beyond the settle delay.
        var options = Fast with { SettleDelay = TimeSpan.FromMilliseconds(600) };
        await using var watch = Watch.Start(new LocalFolderEventSource(_root, options));
        var path = Path.Combine(_root, "chunked.bin");

        // Shared for reading, so it is the settle delay, not a lock, that keeps the half-written file back.
        await using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite))
        {
            for (var chunk = 0; chunk < 25; chunk++)
            {
                await stream.WriteAsync(new byte[4096]);
                stream.Flush(flushToDisk: true);
                await Task.Delay(60);
            }
        }

        await watch.WaitForAsync(events => events.Any(e => e.Url == LocalPaths.ToUri(path)));
        var events = await watch.SettleAfterMarkerAsync(_root);

        var announced = Assert.Single(events, e => e.Url == LocalPaths.ToUri(path));
        var listed = Assert.Single(await ListAsync(_root), o => o.RelativePath == "chunked.bin");
        Assert.Equal(25 * 4096, announced.Size);
        Assert.Equal(listed.ETag, announced.ETag);
    }

    [Fact]
    public async Task Watcher_DoesNotAnnounceAFileWhileAWriterHoldsItExclusively()
    {
        await using var watch = Watch.Start(new LocalFolderEventSource(_root, Fast));
        var locked = Path.Combine(_root, "locked.bin");
        var other = Path.Combine(_root, "other.bin");

        await using (var writer = new FileStream(locked, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            await writer.WriteAsync(new byte[100]);
            await writer.FlushAsync();

            // Written after the locked file, so it settles after it would have: once it is announced, the locked one
            // was looked at and held back.
            await File.WriteAllBytesAsync(other, new byte[10]);
            await watch.WaitForAsync(events => events.Any(e => e.Url == LocalPaths.ToUri(other)));
            Assert.DoesNotContain(watch.Events, e => e.Url == LocalPaths.ToUri(locked));
        }

        var events = await watch.WaitForAsync(events => events.Any(e => e.Url == LocalPaths.ToUri(locked)));
        Assert.Equal(100, Assert.Single(events, e => e.Url == LocalPaths.ToUri(locked)).Size);
    }

    [Fact]
    public async Task Watcher_AnnouncesAnOverwriteAsASecondEventWithAHigherSequencer()
    {
        await using var watch = Watch.Start(new LocalFolderEventSource(_root, Fast));
        var path = Path.Combine(_root, "over.bin");
        var url = LocalPaths.ToUri(path);
        await File.WriteAllBytesAsync(path, new byte[10]);
        await watch.WaitForAsync(events => events.Any(e => e.Url == url));

        await File.WriteAllBytesAsync(path, new byte[20]);
        var events = await watch.WaitForAsync(events => events.Count(e => e.Url == url) >= 2);

        var versions = events.Where(e => e.Url == url).ToList();
        var listed = Assert.Single(await ListAsync(_root));
        Assert.Equal(10, versions[0].Size);
        Assert.Equal(20, versions[1].Size);
        Assert.NotEqual(versions[0].ETag, versions[1].ETag);
        Assert.Equal(listed.ETag, versions[1].ETag);
        Assert.True(BlobSequencer.Compare(versions[1].Sequencer!, versions[0].Sequencer!) > 0);
    }

    [Fact]
    public async Task Watcher_AnnouncesAFileMovedIntoTheTree()
    {
        await using var watch = Watch.Start(new LocalFolderEventSource(_root, Fast));
        var source = Path.Combine(_outside, "moved.bin");
        await File.WriteAllBytesAsync(source, new byte[77]);
        var target = Path.Combine(_root, "moved.bin");

        File.Move(source, target);

        var events = await watch.WaitForAsync(events => events.Any(e => e.Url == LocalPaths.ToUri(target)));
        var listed = Assert.Single(await ListAsync(_root));
        var announced = Assert.Single(events, e => e.Url == LocalPaths.ToUri(target));
        Assert.Equal(BlobEventKind.Created, announced.Kind);
        Assert.Equal(listed.ETag, announced.ETag);
        Assert.Equal(77, announced.Size);
    }

    [Fact]
    public async Task Watcher_AnnouncesAFileRenamedFromAHiddenTemporaryName()
    {
        await using var watch = Watch.Start(new LocalFolderEventSource(_root, Fast));
        var temporary = Path.Combine(_root, ".upload.tmp");
        var final = Path.Combine(_root, "upload.bin");
        await File.WriteAllBytesAsync(temporary, new byte[33]);

        File.Move(temporary, final);

        await watch.WaitForAsync(events => events.Any(e => e.Url == LocalPaths.ToUri(final)));
        var events = await watch.SettleAfterMarkerAsync(_root);
        var listed = Assert.Single(await ListAsync(_root), o => o.RelativePath == "upload.bin");
        Assert.Equal(listed.ETag, Assert.Single(events, e => e.Url == LocalPaths.ToUri(final)).ETag);
        // The listing never shows the hidden temporary file, so neither do the events, not even its disappearance.
        Assert.DoesNotContain(events, e => e.Url == LocalPaths.ToUri(temporary));
    }

    [Fact]
    public async Task Watcher_AnnouncesEveryListedFileOfADirectoryMovedInAndNotTheDirectories()
    {
        var batch = Path.Combine(_outside, "batch");
        Directory.CreateDirectory(Path.Combine(batch, "sub", "deeper"));
        Directory.CreateDirectory(Path.Combine(batch, ".cache"));
        await File.WriteAllBytesAsync(Path.Combine(batch, "a.bin"), new byte[1]);
        await File.WriteAllBytesAsync(Path.Combine(batch, "sub", "b.bin"), new byte[2]);
        await File.WriteAllBytesAsync(Path.Combine(batch, "sub", "deeper", "c.bin"), new byte[3]);
        await File.WriteAllBytesAsync(Path.Combine(batch, ".hidden"), new byte[4]);
        await File.WriteAllBytesAsync(Path.Combine(batch, ".cache", "d.bin"), new byte[5]);
        await using var watch = Watch.Start(new LocalFolderEventSource(_root, Fast));

        Directory.Move(batch, Path.Combine(_root, "batch"));

        await watch.WaitForAsync(events => events.Count(e => e.Url.EndsWith(".bin", StringComparison.Ordinal)) >= 3);
        var events = await watch.SettleAfterMarkerAsync(_root);
        var listed = (await ListAsync(_root)).Where(o => o.RelativePath.StartsWith("batch/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, listed.Count);
        Assert.Equal(
            listed.Select(o => (o.Uri, o.ETag, o.Size)).Order(),
            events.Where(e => e.Url.Contains("/batch", StringComparison.Ordinal)).Select(e => (e.Url, e.ETag!, e.Size!.Value)).Order());
    }

    [Fact]
    public async Task Watcher_ReportsADeletedFileAsDeleted()
    {
        await using var watch = Watch.Start(new LocalFolderEventSource(_root, Fast));
        var path = Path.Combine(_root, "gone.bin");
        var url = LocalPaths.ToUri(path);
        await File.WriteAllBytesAsync(path, new byte[5]);
        await watch.WaitForAsync(events => events.Any(e => e.Url == url));

        File.Delete(path);

        var events = await watch.WaitForAsync(events => events.Any(e => e.Url == url && e.Kind == BlobEventKind.Deleted));
        var deleted = Assert.Single(events, e => e.Url == url && e.Kind == BlobEventKind.Deleted);
        Assert.Null(deleted.ETag);
        Assert.Null(deleted.Size);
    }

    [Fact]
    public async Task Watcher_IgnoresFilesUnderTheExcludedPrefix()
    {
        var output = Path.Combine(_root, "out");
        Directory.CreateDirectory(output);
        await using var watch = Watch.Start(new LocalFolderEventSource(_root, Fast with { ExcludedPrefix = output }));
        var excluded = Path.Combine(output, "part-0001.parquet");
        var lookalike = Path.Combine(_root, "outer.bin");

        await File.WriteAllBytesAsync(excluded, new byte[9]);
        Directory.CreateDirectory(Path.Combine(output, "nested"));
        await File.WriteAllBytesAsync(Path.Combine(output, "nested", "x.bin"), new byte[9]);
        await File.WriteAllBytesAsync(lookalike, new byte[9]);
        File.Delete(excluded);

        await watch.WaitForAsync(events => events.Any(e => e.Url == LocalPaths.ToUri(lookalike)));
        var events = await watch.SettleAfterMarkerAsync(_root);
        Assert.DoesNotContain(events, e => e.Url.StartsWith(LocalPaths.ToUri(output) + "/", StringComparison.Ordinal));
        Assert.Contains(events, e => e.Url == LocalPaths.ToUri(lookalike));
    }

    [Fact]
    public async Task Watcher_DeliversEveryEventWhenDeliveryFailsTwiceFirst()
    {
        var failures = new List<Exception>();
        var calls = 0;
        await using var watch = Watch.Start(
            new LocalFolderEventSource(_root, Fast),
            _ => Interlocked.Increment(ref calls) <= 2 ? throw new InvalidOperationException("sink unavailable") : Task.CompletedTask,
            ex =>
            {
                lock (failures)
                {
                    failures.Add(ex);
                }
            });
        var paths = Enumerable.Range(0, 5).Select(i => Path.Combine(_root, $"f{i}.bin")).ToList();

        foreach (var path in paths)
        {
            await File.WriteAllBytesAsync(path, new byte[16]);
        }

        var events = await watch.WaitForAsync(events => paths.All(p => events.Any(e => e.Url == LocalPaths.ToUri(p))));
        Assert.Equal(paths.Select(LocalPaths.ToUri).Order(), events.Select(e => e.Url).Distinct().Order());
        lock (failures)
        {
            Assert.Equal(2, failures.Count);
            Assert.All(failures, f => Assert.Equal("sink unavailable", f.Message));
        }
    }

    [Fact]
    public async Task RunAsync_ThrowsDirectoryNotFoundForAMissingRoot()
    {
        var source = new LocalFolderEventSource(Path.Combine(_root, "missing"), Fast);

        var error = await Assert.ThrowsAsync<DirectoryNotFoundException>(() => source.RunAsync((_, _) => Task.CompletedTask));

        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watcher_RequestsReconciliationInsteadOfKeepingMorePathsThanAllowed()
    {
        // A settle delay nothing outlives in this test: every path stays pending, so the third one finds no room.
        var source = new LocalFolderEventSource(_root, Fast with { MaxPendingPaths = 2, SettleDelay = TimeSpan.FromHours(1) });
        var reasons = new List<string>();
        source.ReconciliationNeeded += reason =>
        {
            lock (reasons)
            {
                reasons.Add(reason);
            }
        };
        await using var watch = Watch.Start(source);

        for (var i = 0; i < 5; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(_root, $"f{i}.bin"), new byte[1]);
        }

        await WaitUntilAsync(() =>
        {
            lock (reasons)
            {
                return reasons.Count > 0;
            }
        });
        lock (reasons)
        {
            Assert.Contains("more than 2 paths", reasons[0], StringComparison.Ordinal);
        }

        Assert.Equal(2, source.PendingCount);
        Assert.Empty(watch.Events);
    }

    [Fact]
    public async Task Watcher_SettlesOnTheInjectedClock()
    {
        var clock = new FakeTimeProvider();
        var source = new LocalFolderEventSource(_root, Fast with { SettleDelay = TimeSpan.FromMinutes(1) }, clock);
        await using var watch = Watch.Start(source);
        var path = Path.Combine(_root, "clocked.bin");
        await File.WriteAllBytesAsync(path, new byte[8]);
        await WaitUntilAsync(() => source.PendingCount == 1);

        // The clock stands still, so however long this takes in real time the file cannot have settled.
        await Task.Delay(300);
        Assert.Empty(watch.Events);

        var events = await watch.WaitForAsync(events => events.Count > 0, () => clock.Advance(TimeSpan.FromSeconds(20)));
        var listed = Assert.Single(await ListAsync(_root));
        Assert.Equal(listed.ETag, Assert.Single(events).ETag);
    }

    private static async Task<List<SourceObject>> ListAsync(string root)
    {
        var items = new List<SourceObject>();
        await foreach (var item in new LocalBlobStore().ListAsync(root))
        {
            items.Add(item);
        }

        return items;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < Deadline, "the condition did not hold within the deadline");
            await Task.Delay(20);
        }
    }

    // Runs a source and records what it delivers, for the length of a test.
    private sealed class Watch : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<BlobEvent> _events = [];
        private Task _run = Task.CompletedTask;

        private Watch()
        {
        }

        public IReadOnlyList<BlobEvent> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public static Watch Start(
            LocalFolderEventSource source, Func<IReadOnlyList<BlobEvent>, Task>? accept = null, Action<Exception>? onDeliveryFailed = null)
        {
            var watch = new Watch();

            // Called directly, not through Task.Run: the watcher is listening once RunAsync returns its task.
            watch._run = source.RunAsync(
                async (batch, _) =>
                {
                    if (accept is not null)
                    {
                        await accept(batch);
                    }

                    lock (watch._events)
                    {
                        watch._events.AddRange(batch);
                    }
                },
                onDeliveryFailed,
                watch._stop.Token);
            return watch;
        }

        public async Task<IReadOnlyList<BlobEvent>> WaitForAsync(Func<IReadOnlyList<BlobEvent>, bool> condition, Action? tick = null)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                Assert.False(_run.IsFaulted, $"the source failed: {_run.Exception}");
                var events = Events;
                if (condition(events))
                {
                    return events;
                }

                Assert.True(
                    clock.Elapsed < Deadline,
                    $"the expected events did not arrive within the deadline; got: {string.Join(", ", events.Select(e => $"{e.Kind} {e.Url}"))}");
                tick?.Invoke();
                await Task.Delay(20);
            }
        }

        // Writes a marker file and waits for it: notifications are handled in order and settle on the same delay, so
        // anything the earlier changes were going to announce has been announced by then.
        public async Task<IReadOnlyList<BlobEvent>> SettleAfterMarkerAsync(string root)
        {
            var marker = Path.Combine(root, $"marker-{Guid.NewGuid():N}.txt");
            await File.WriteAllTextAsync(marker, "marker");
            var events = await WaitForAsync(events => events.Any(e => e.Url == LocalPaths.ToUri(marker)));
            return [.. events.Where(e => e.Url != LocalPaths.ToUri(marker))];
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _run;
            _stop.Dispose();
        }
    }
}
