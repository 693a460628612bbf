using System.Globalization;
using OrleansIngest.Processing.Events;

namespace OrleansIngest.Storage.Local;

/// <summary>
/// Turns file drops into a local folder into <see cref="BlobEvent"/>s, the local counterpart of Event Grid's
/// announcements. A <see cref="FileSystemWatcher"/> reports creations, changes, renames and deletions below the root;
/// a file is announced once its (size, last-write time) stayed unchanged for
/// <see cref="LocalFolderEventSourceOptions.SettleDelay"/> and it can be opened for reading, with the URI and ETag that
/// <see cref="LocalBlobStore"/>'s listing gives for it, so both routes compute the same unit id. Like Event Grid, the
/// watcher can lose changes (buffer overflow, the pending limit); it then raises <see cref="ReconciliationNeeded"/>, and
/// the job's periodic listing is what guarantees completeness. One <see cref="RunAsync"/> at a time per instance.
/// </summary>
/// <remarks>
/// A directory created or moved in is enumerated and its files are announced; directories themselves are not. A deleted
/// path yields a <see cref="BlobEventKind.Deleted"/> event even when it was a directory, since it is gone before it can
/// be told from a file (deletions are recorded and ignored downstream). Files the listing skips (hidden or system files,
/// files under hidden folders, symbolic links) are not announced either. Only cooperating writers hold locks on Unix,
/// so there the settle delay is what keeps half-written files back.
/// </remarks>
public sealed class LocalFolderEventSource
{
    // 64 KiB is the most the watcher may pin on Windows; on Linux it sizes the queue of inotify events read at once.
    private const int WatcherBufferBytes = 64 * 1024;

    // Bounds one pass of settling so that delivery and reconciliation signals are not starved by a flood of paths.
    private const int MaxExaminationsPerPass = 1_000;

    private const FileAttributes SkippedAttributes = FileAttributes.Hidden | FileAttributes.System;

    // The listing's own options, so that a moved-in directory yields exactly the files a listing would.
    private static readonly EnumerationOptions ListingOptions =
        new() { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = SkippedAttributes };

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private readonly LocalFolderEventSourceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly string? _excludedPrefix;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PendingPath> _pending = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
    // One item per live entry; items of entries removed since are skipped when they come up.
    private readonly PriorityQueue<PendingPath, DateTimeOffset> _due = new();
    private readonly Queue<BlobEvent> _outbox = new();

    // The last ETag announced per path, so that a late or attribute-only notification does not announce a version twice.
    private readonly Dictionary<string, string> _announced = new(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
    private readonly Queue<string> _announcedOrder = new();

    private TaskCompletionSource _wake = NewWake();
    private string? _reconciliationReason;
    private int _running;

    /// <summary>Creates a source for the folder <paramref name="root"/> (a path or a <c>file://</c> URI).</summary>
    /// <param name="root">The folder to watch, recursively.</param>
    /// <param name="options">Delays and limits; defaults when null.</param>
    /// <param name="timeProvider">The clock for the settle and retry delays; the system clock when null.</param>
    public LocalFolderEventSource(string root, LocalFolderEventSourceOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _options = options ?? new LocalFolderEventSourceOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        Root = Path.TrimEndingDirectorySeparator(LocalPaths.ToFullPath(root));
        if (_options.ExcludedPrefix is { } excluded)
        {
            _excludedPrefix = Path.TrimEndingDirectorySeparator(LocalPaths.ToFullPath(excluded));
            if (IsUnder(Root, _excludedPrefix))
            {
                throw new ArgumentException(
                    $"The excluded prefix '{_excludedPrefix}' contains the watched folder '{Root}': nothing would be announced.", nameof(options));
            }
        }
    }

    /// <summary>
    /// Raised from the <see cref="RunAsync"/> loop, with the reason, when changes may have been missed (the watcher's
    /// buffer overflowed or failed, or more than <see cref="LocalFolderEventSourceOptions.MaxPendingPaths"/> paths were
    /// waiting): the job should run its reconciliation listing. Signals raised between two loop passes are coalesced.
    /// </summary>
    public event Action<string>? ReconciliationNeeded;

    /// <summary>The full path of the watched folder.</summary>
    public string Root { get; }

    /// <summary>Paths waiting to settle plus events waiting for delivery.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count + _outbox.Count;
            }
        }
    }

    /// <summary>
    /// Watches the folder and hands settled events to <paramref name="deliver"/> in batches of at most
    /// <see cref="LocalFolderEventSourceOptions.MaxBatch"/>, in the order they settled. When <paramref name="deliver"/>
    /// throws, the batch is kept, the exception goes to <paramref name="onDeliveryFailed"/> and the batch is offered
    /// again after <see cref="LocalFolderEventSourceOptions.RetryDelay"/>: delivery is at-least-once. Returns when
    /// <paramref name="cancellationToken"/> is cancelled; undelivered events stay for the next run of this instance.
    /// </summary>
    /// <remarks>
    /// The watcher is listening when this method returns its task (before it first yields), so a caller that starts it
    /// and then lists the folder misses nothing in between. An exception thrown by a <see cref="ReconciliationNeeded"/>
    /// handler or by <paramref name="onDeliveryFailed"/> ends the run.
    /// </remarks>
    /// <exception cref="DirectoryNotFoundException">The root folder does not exist.</exception>
    /// <exception cref="InvalidOperationException">This instance is already running.</exception>
    public async Task RunAsync(
        Func<IReadOnlyList<BlobEvent>, CancellationToken, Task> deliver,
        Action<Exception>? onDeliveryFailed = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliver);
        if (!Directory.Exists(Root))
        {
            throw new DirectoryNotFoundException($"Watched folder '{Root}' does not exist.");
        }

        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException($"The source for '{Root}' is already running.");
        }

        try
        {
            using var watcher = CreateWatcher();
            watcher.EnableRaisingEvents = true;
            await LoopAsync(deliver, onDeliveryFailed, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancellation is how the loop ends; whatever was not delivered stays in the outbox.
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static bool IsUnder(string path, string folder) =>
        path.StartsWith(folder, PathComparison)
        && (path.Length == folder.Length || Path.EndsInDirectorySeparator(folder) || Path.EndsInDirectorySeparator(path.AsSpan(0, folder.Length + 1)));

    private static bool CanOpenForReading(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            // Not a writer's lock: the listing hands such a file out too, and reading it fails the same way for both.
            return true;
        }
        catch (IOException)
        {
            // Held by a writer (sharing violation or lock), or gone; the next look decides.
            return false;
        }
    }

    private static BlobEvent CreatedEvent(string path, FileInfo info)
    {
        var lastWrite = info.LastWriteTimeUtc;
        return new BlobEvent(
            Guid.NewGuid().ToString(),
            BlobEventKind.Created,
            LocalPaths.ToUri(path),
            LocalBlobStore.ETagOf(info),
            info.Length,
            lastWrite.Ticks.ToString("x16", CultureInfo.InvariantCulture),
            new DateTimeOffset(lastWrite));
    }

    private FileSystemWatcher CreateWatcher()
    {
        var watcher = new FileSystemWatcher(Root)
        {
            IncludeSubdirectories = true,
            InternalBufferSize = WatcherBufferBytes,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Created += (_, e) => Touch(e.FullPath, expandIfDirectory: true);
        watcher.Changed += (_, e) => Touch(e.FullPath, expandIfDirectory: false);
        watcher.Deleted += (_, e) => Remove(e.FullPath);
        watcher.Renamed += (_, e) =>
        {
            // A renamed directory's old path named no file; its files are announced again under the new name.
            if (!Directory.Exists(e.FullPath))
            {
                Remove(e.OldFullPath);
            }

            Touch(e.FullPath, expandIfDirectory: true);
        };
        watcher.Error += (_, e) => RequestReconciliation(e.GetException() is InternalBufferOverflowException
            ? "the file system watcher's buffer overflowed, so changes were lost"
            : $"the file system watcher failed ({e.GetException().Message}), so changes may have been lost");
        return watcher;
    }

    private async Task LoopAsync(
        Func<IReadOnlyList<BlobEvent>, CancellationToken, Task> deliver, Action<Exception>? onDeliveryFailed, CancellationToken cancellationToken)
    {
        var retryAt = DateTimeOffset.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Taken before the work, so a notification that arrives during the work makes the wait below return at once.
            Task wake;
            lock (_gate)
            {
                if (_wake.Task.IsCompleted)
                {
                    _wake = NewWake();
                }

                wake = _wake.Task;
            }

            RaiseReconciliationIfRequested();
            SettleDuePaths(cancellationToken);
            if (_timeProvider.GetUtcNow() >= retryAt && !await DeliverOutboxAsync(deliver, onDeliveryFailed, cancellationToken))
            {
                retryAt = _timeProvider.GetUtcNow() + _options.RetryDelay;
            }

            await WaitAsync(wake, NextWakeUp(retryAt), cancellationToken);
        }
    }

    // False when a delivery failed; the failed batch stays at the head of the outbox.
    private async Task<bool> DeliverOutboxAsync(
        Func<IReadOnlyList<BlobEvent>, CancellationToken, Task> deliver, Action<Exception>? onDeliveryFailed, CancellationToken cancellationToken)
    {
        while (true)
        {
            BlobEvent[] batch;
            lock (_gate)
            {
                if (_outbox.Count == 0)
                {
                    return true;
                }

                batch = [.. _outbox.Take(_options.MaxBatch)];
            }

            try
            {
                await deliver(batch, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                // Any failure keeps the batch for the next try; a loop that died here would stop ingestion silently.
                onDeliveryFailed?.Invoke(ex);
                return false;
            }

            // Only this loop dequeues and notifications only append, so the head is still this batch.
            lock (_gate)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    _outbox.Dequeue();
                }
            }
        }
    }

    private TimeSpan NextWakeUp(DateTimeOffset retryAt)
    {
        var now = _timeProvider.GetUtcNow();
        DateTimeOffset? next = null;
        lock (_gate)
        {
            if (_due.TryPeek(out _, out var due))
            {
                next = due;
            }

            if (_outbox.Count > 0 && (next is null || retryAt < next))
            {
                next = retryAt;
            }
        }

        return next is null ? Timeout.InfiniteTimeSpan : next.Value <= now ? TimeSpan.Zero : next.Value - now;
    }

    private async Task WaitAsync(Task wake, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay == TimeSpan.Zero)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return;
        }

        using var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timer = Task.Delay(delay, _timeProvider, delayCancellation.Token);
        await Task.WhenAny(wake, timer);
        await delayCancellation.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void RaiseReconciliationIfRequested()
    {
        string? reason;
        lock (_gate)
        {
            reason = _reconciliationReason;
            _reconciliationReason = null;
        }

        if (reason is not null)
        {
            ReconciliationNeeded?.Invoke(reason);
        }
    }

    private void RequestReconciliation(string reason)
    {
        lock (_gate)
        {
            _reconciliationReason ??= reason;
            _wake.TrySetResult();
        }
    }

    private void SettleDuePaths(CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var due = new List<(PendingPath Entry, Look Look)>();
        lock (_gate)
        {
            while (due.Count < MaxExaminationsPerPass && _due.TryPeek(out var entry, out var at) && at <= now)
            {
                _due.Dequeue();
                if (!IsLive(entry))
                {
                    continue;
                }

                if (entry.DueAt > at)
                {
                    // Postponed by a notification since it was queued.
                    _due.Enqueue(entry, entry.DueAt);
                    continue;
                }

                due.Add((entry, new Look(entry.Generation, entry.Observed, entry.ObservedAt, entry.ExpandIfDirectory)));
            }
        }

        foreach (var (entry, look) in due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Examine(entry, look, now);
        }
    }

    // The file system is read outside the lock; the result is applied only if no notification changed the entry meanwhile.
    private void Examine(PendingPath entry, Look look, DateTimeOffset now)
    {
        var path = entry.Path;
        if (look.ExpandIfDirectory && Directory.Exists(path))
        {
            Forget(entry);
            Expand(path);
            return;
        }

        var info = new FileInfo(path);
        if (!info.Exists || !IsListed(info))
        {
            Forget(entry);
            return;
        }

        var stat = new FileStat(info.Length, info.LastWriteTimeUtc.Ticks);
        if (look.Observed != stat)
        {
            Reschedule(entry, look, now + _options.SettleDelay, observed: (stat, now));
            return;
        }

        if (now - look.ObservedAt < _options.SettleDelay)
        {
            Reschedule(entry, look, look.ObservedAt + _options.SettleDelay, observed: null);
            return;
        }

        if (!CanOpenForReading(path))
        {
            Reschedule(entry, look, now + _options.SettleDelay, observed: null);
            return;
        }

        Announce(entry, look, info);
    }

    private void Expand(string directory)
    {
        if (!IsListedFolder(new DirectoryInfo(directory)))
        {
            return;
        }

        try
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*", ListingOptions))
            {
                if (!Touch(file, expandIfDirectory: false))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Moved away, deleted or made unreadable while being enumerated: what was missed is the listing's to find.
            RequestReconciliation($"the folder '{directory}' could not be enumerated ({ex.Message})");
        }
    }

    // Called under the lock: whether the entry is still the pending one for its path (not deleted or replaced).
    private bool IsLive(PendingPath entry) => _pending.TryGetValue(entry.Path, out var current) && ReferenceEquals(current, entry);

    private void Forget(PendingPath entry)
    {
        lock (_gate)
        {
            if (IsLive(entry))
            {
                _pending.Remove(entry.Path);
            }
        }
    }

    private void Reschedule(PendingPath entry, Look look, DateTimeOffset dueAt, (FileStat Stat, DateTimeOffset At)? observed)
    {
        lock (_gate)
        {
            if (!IsLive(entry))
            {
                return;
            }

            if (observed is { } o && entry.Generation == look.Generation)
            {
                entry.Observed = o.Stat;
                entry.ObservedAt = o.At;
            }

            if (dueAt > entry.DueAt)
            {
                entry.DueAt = dueAt;
            }

            _due.Enqueue(entry, entry.DueAt);
        }
    }

    private void Announce(PendingPath entry, Look look, FileInfo info)
    {
        var path = entry.Path;
        lock (_gate)
        {
            if (!IsLive(entry))
            {
                return;
            }

            if (entry.Generation != look.Generation)
            {
                // Written to since it was looked at: look again once it has been quiet for the settle delay.
                _due.Enqueue(entry, entry.DueAt);
                return;
            }

            _pending.Remove(path);
            var created = CreatedEvent(path, info);
            if (_announced.TryGetValue(path, out var etag) && string.Equals(etag, created.ETag, StringComparison.Ordinal))
            {
                return;
            }

            _outbox.Enqueue(created);
            RememberAnnounced(path, created.ETag!);
        }
    }

    private void RememberAnnounced(string path, string etag)
    {
        // Bounded like the pending set; forgetting only risks announcing an unchanged version again (same unit id).
        if (_announcedOrder.Count >= _options.MaxPendingPaths)
        {
            var oldest = _announcedOrder.Dequeue();
            _announced.Remove(oldest);
        }

        _announced[path] = etag;
        _announcedOrder.Enqueue(path);
    }

    // False when the path was refused because the limit is reached.
    private bool Touch(string path, bool expandIfDirectory)
    {
        if (!IsWatched(path))
        {
            return true;
        }

        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_pending.TryGetValue(path, out var entry))
            {
                entry.Generation++;
                entry.ExpandIfDirectory |= expandIfDirectory;
                var postponed = now + _options.SettleDelay;
                if (postponed > entry.DueAt)
                {
                    entry.DueAt = postponed;
                }

                return true;
            }

            if (!HasRoom(path))
            {
                return false;
            }

            // Due at once: the first look records (size, last-write time), the settle delay runs from there.
            var added = new PendingPath(path) { DueAt = now, ExpandIfDirectory = expandIfDirectory };
            _pending.Add(path, added);
            _due.Enqueue(added, now);
            _wake.TrySetResult();
            return true;
        }
    }

    private void Remove(string path)
    {
        if (!IsWatched(path) || IsHiddenByName(path))
        {
            return;
        }

        var deleted = new BlobEvent(Guid.NewGuid().ToString(), BlobEventKind.Deleted, LocalPaths.ToUri(path), null, null, null, _timeProvider.GetUtcNow());
        lock (_gate)
        {
            _pending.Remove(path);
            _announced.Remove(path);
            if (!HasRoom(path))
            {
                return;
            }

            _outbox.Enqueue(deleted);
            _wake.TrySetResult();
        }
    }

    // Called under the lock.
    private bool HasRoom(string path)
    {
        if (_pending.Count + _outbox.Count < _options.MaxPendingPaths)
        {
            return true;
        }

        _reconciliationReason ??= string.Create(
            CultureInfo.InvariantCulture,
            $"more than {_options.MaxPendingPaths} paths were waiting to settle or be delivered, so the change to '{path}' was not kept");
        _wake.TrySetResult();
        return false;
    }

    private bool IsWatched(string path) =>
        IsUnder(path, Root) && !path.Equals(Root, PathComparison) && (_excludedPrefix is null || !IsUnder(path, _excludedPrefix));

    // A deleted path can no longer be asked for its attributes; on Unix a name starting with a dot is what makes it hidden,
    // so the deletion of a file the listing never showed (an editor's or rsync's temporary file) is not reported.
    private bool IsHiddenByName(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        var relative = Path.GetRelativePath(Root, path);
        foreach (var segment in relative.Split(Path.DirectorySeparatorChar))
        {
            if (segment.StartsWith('.'))
            {
                return true;
            }
        }

        return false;
    }

    // Mirrors what the listing skips: links, hidden or system files, and anything under a hidden or system folder.
    private bool IsListed(FileInfo info) =>
        info.LinkTarget is null && (info.Attributes & SkippedAttributes) == 0 && (info.Directory is not { } parent || IsListedFolder(parent));

    private bool IsListedFolder(DirectoryInfo folder)
    {
        for (var current = folder; current is not null && IsUnder(current.FullName, Root) && !current.FullName.Equals(Root, PathComparison); current = current.Parent)
        {
            if ((current.Attributes & SkippedAttributes) != 0)
            {
                return false;
            }
        }

        return true;
    }

    private readonly record struct FileStat(long Length, long LastWriteTicks);

    private readonly record struct Look(int Generation, FileStat? Observed, DateTimeOffset ObservedAt, bool ExpandIfDirectory);

    private sealed class PendingPath(string path)
    {
        public string Path { get; } = path;

        public DateTimeOffset DueAt { get; set; }

        public FileStat? Observed { get; set; }

        public DateTimeOffset ObservedAt { get; set; }

        // Bumped by every notification, so a look taken before a write cannot announce the file.
        public int Generation { get; set; }

        public bool ExpandIfDirectory { get; set; }
    }
}
