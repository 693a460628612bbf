using System.Diagnostics;
using System.Globalization;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Diagnostics;
using OrleansIngest.Processing.Features;
using OrleansIngest.Processing.Evaluation;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Pipeline;

/// <summary>Worker settings of one silo.</summary>
/// <param name="Lanes">Units processed at once (one per core by default).</param>
/// <param name="MaxSegmentsInFlight">Audio segments of one unit awaiting VAD at once; feeds the VAD batch.</param>
public sealed record JobWorkerSettings(int Lanes, int MaxSegmentsInFlight = 8);

/// <summary>
/// Processes a job's units on this silo until no unit is pending: each lane leases a unit, appends its rows to
/// the lane's open file of the unit's table, and commits a file when it reaches its target size or age, or
/// when the lane runs out of work. Units are reported done only after their file is committed.
/// </summary>
public sealed class JobWorker
{
    private readonly IJobCoordinator _coordinator;
    private readonly IStorageResolver _storage;
    private readonly VadBatcher _vad;
    private readonly string _modelVersions;
    private readonly TimeProvider _timeProvider;
    private readonly JobWorkerSettings _settings;
    private readonly string _outputRoot;
    private readonly PipelineContext _context;
    private readonly IBlobStore _source;
    private readonly AudioDecoderOptions _decoderOptions;
    private readonly ModelSteps _models;
    private readonly OnnxLogMelBatcher? _onnxLogMel;
    private readonly ModelStepShadow? _modelShadow;
    private readonly Func<SourceUriProtector>? _sourceProtector;
    private readonly Func<IKeyEncryptionKey>? _keyEncryptionKey;
    private VadShadow? _shadow;
    private SourceMap? _sourceMap;

    /// <summary>
    /// Creates a worker for one job on this silo; <paramref name="models"/> are the pipeline's loaded model steps and
    /// <paramref name="modelShadow"/> the loaded candidates of those steps (shadow evaluation).
    /// </summary>
    public JobWorker(
        IJobCoordinator coordinator,
        IStorageResolver storage,
        VadBatcher vad,
        string modelVersions,
        TimeProvider timeProvider,
        JobWorkerSettings settings,
        string sourceRoot,
        string outputRoot,
        PipelineContext context,
        AudioDecoderOptions? decoderOptions = null,
        ModelSteps? models = null,
        OnnxLogMelBatcher? onnxLogMel = null,
        ModelStepShadow? modelShadow = null,
        Func<SourceUriProtector>? sourceProtector = null,
        Func<IKeyEncryptionKey>? keyEncryptionKey = null)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _coordinator = coordinator;
        _storage = storage;
        _vad = vad;
        _modelVersions = modelVersions;
        _timeProvider = timeProvider;
        _settings = settings;
        _outputRoot = outputRoot;
        _context = context;
        _decoderOptions = decoderOptions ?? AudioDecoderOptions.Default;
        _models = models ?? ModelSteps.None;
        _onnxLogMel = onnxLogMel;
        _modelShadow = modelShadow;
        _source = storage.GetSource(sourceRoot);
        _sourceProtector = sourceProtector;
        _keyEncryptionKey = keyEncryptionKey;
    }

    // Confidential and restricted tables (their eval tables too) are written through envelope encryption
    // (*.parquet.enc): the staged stream only ever sees ciphertext.
    private async Task<(string Name, Stream Stream)> CreateTableFileAsync(ITableStore store, string table, CancellationToken cancellationToken)
    {
        var encrypt = SensitivityPolicy.RequiresEncryption(SensitivityPolicy.TierOfTable(_context.Pipeline, table));
        var kek = encrypt
            ? _keyEncryptionKey?.Invoke() ?? throw new InvalidOperationException($"Table '{table}' must be encrypted, and this silo has no key-encryption key (Governance:KeyEncryptionKeyFile).")
            : null;
        var name = string.Create(CultureInfo.InvariantCulture, $"part-{_timeProvider.GetUtcNow():yyyyMMdd'T'HHmmss}-{Guid.NewGuid():N}.parquet") + (encrypt ? EnvelopeEncryption.FileSuffix : "");
        var staged = await store.CreateStagedFileAsync(name, cancellationToken);
        return (name, kek is null ? staged : new EnvelopeWriteStream(staged, kek));
    }

    // Restricted tables get the HMAC of the source URI in their rows, and the mapping goes to the operators' source
    // map first, so that no committed row is ever without its way back. Other tiers keep the unit as it is.
    private async Task<LeasedUnit> RowUnitAsync(LeasedUnit unit, CancellationToken cancellationToken)
    {
        if (!SensitivityPolicy.MasksSourceUri(SensitivityPolicy.TierOfTable(_context.Pipeline, unit.Table)))
        {
            return unit;
        }

        // Loaded on the first restricted unit, so silos without restricted tables need no key.
        var protector = _sourceProtector?.Invoke()
            ?? throw new InvalidOperationException($"Table '{unit.Table}' is restricted, and this silo has no source HMAC key (Governance:SourceKeyFile).");
        var hmac = protector.Protect(unit.SourceUri);
        _sourceMap ??= new SourceMap(_storage.GetGovernanceStore(_outputRoot));
        await _sourceMap.RecordAsync(new SourceMapEntry(hmac, unit.SourceUri, unit.ETag, protector.KeyId), cancellationToken);
        return unit with { SourceUri = hmac };
    }

    /// <summary>Runs all lanes until the job has no pending unit for this silo.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        // Shadow models of the pipeline's evaluation block live as long as the job's run on this silo.
        var baselinePath = string.IsNullOrEmpty(_context.Pipeline.Audio.VadModelPath) ? SileroVadModel.DefaultModelPath : _context.Pipeline.Audio.VadModelPath;
        await using var shadow = VadShadow.Create(_context.Pipeline, baselinePath, _timeProvider);
        _shadow = shadow;
        var lanes = Enumerable.Range(0, Math.Max(1, _settings.Lanes)).Select(i => new Lane(this, i).RunAsync(cancellationToken));
        await Task.WhenAll(lanes);
    }

    private ParquetOutputSettings OutputSettings =>
        new(_context.Pipeline.Output.TargetFileBytes, _context.Pipeline.Output.RowGroupRows, RowGroupBytes: _context.Pipeline.Output.RowGroupBytes,
            LogMelMantissaBits: _context.Pipeline.Output.LogMelMantissaBits);

    private sealed class Lane(JobWorker worker, int index)
    {
        private const int MaxCommitAttempts = 5;
        private readonly Dictionary<string, OpenFile> _files = new(StringComparer.Ordinal);
        private readonly AudioUnitProcessor _audio = new(worker._vad, worker._modelVersions, worker._timeProvider, worker._settings.MaxSegmentsInFlight, worker._decoderOptions, worker._models, worker._onnxLogMel);
        private readonly SensorUnitProcessor _sensor = new(worker._timeProvider, worker._models);
        private readonly string _writer = $"{worker._context.Writer}/lane{index}";
        // One open evaluation file per eval table (eval_vad, eval_<step>), and the rows each held before the shadowed unit.
        private readonly Dictionary<string, OpenFile<EvalRow>> _evalFiles = new(StringComparer.Ordinal);
        private readonly Dictionary<string, TableCommitter> _evalLogs = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _evalRowsBefore = new(StringComparer.Ordinal);
        private LeasedUnit? _shadowedUnit;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            try
            {
                while (true)
                {
                    var leases = await worker._coordinator.LeaseAsync(1, cancellationToken);
                    if (leases.Count == 0)
                    {
                        break;
                    }

                    foreach (var unit in leases)
                    {
                        await ProcessAsync(unit, cancellationToken);
                    }

                    await CommitDueAsync(force: false, cancellationToken);
                }

                await CommitDueAsync(force: true, cancellationToken);
                foreach (var table in _evalFiles.Keys.ToList())
                {
                    await CommitEvalAsync(table, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down: staged files stay uncommitted and are collected as orphans; leases expire.
                foreach (var file in _files.Values)
                {
                    await file.DisposeAsync();
                }

                foreach (var eval in _evalFiles.Values)
                {
                    await eval.DisposeAsync();
                }
            }
        }

        private async Task ProcessAsync(LeasedUnit unit, CancellationToken cancellationToken)
        {
            // A lease that expired while the unit's rows wait in one of this lane's open files comes back to the same
            // lane: its rows are already there, and processing it again would put them in the file twice.
            if (_files.Values.Any(f => f.Units.Any(u => u.Unit.UnitId == unit.UnitId)))
            {
                return;
            }

            using var span = PipelineTelemetry.StartUnit(unit);
            OpenFile file;
            try
            {
                file = await GetOrOpenAsync(unit, cancellationToken);
            }
            catch (IOException ex)
            {
                span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name).SetTag(PipelineTelemetry.OutcomeAttribute, "failed");
                await ReportAsync([new UnitResult(unit.UnitId, unit.LeaseToken, UnitResultKind.Failed, ex.Message, 0, 0)], cancellationToken);
                return;
            }

            var rowsBefore = file.Rows;
            try
            {
                var rowUnit = await worker.RowUnitAsync(unit, cancellationToken);
                var stats = unit.Kind == RouteKind.Audio
                    ? await ProcessAudioAsync(unit, rowUnit, (OpenFile<AudioSegmentRow>)file, cancellationToken)
                    : await _sensor.ProcessAsync(rowUnit, ct => new ValueTask<Stream>(worker._source.OpenReadAsync(unit.SourceUri, unit.ETag, ct)), worker._context, row => file.AppendAsync(row, cancellationToken), await ModelShadowSinkForAsync(unit, cancellationToken), cancellationToken);
                file.Units.Add((Unit: unit, Stats: stats));
                if (_shadowedUnit == unit)
                {
                    foreach (var (table, before) in _evalRowsBefore)
                    {
                        var eval = _evalFiles[table];
                        eval.Units.Add((Unit: unit, Stats: new UnitStats(eval.Rows - before, stats.MediaSeconds)));
                    }
                }
                if (span is not null)
                {
                    file.UnitSpans.Add(new ActivityLink(span.Context));
                    span.SetTag(PipelineTelemetry.OutcomeAttribute, "processed").SetTag(PipelineTelemetry.RowsAttribute, stats.Rows);
                }
            }
            catch (Exception ex) when (ex is InvalidMediaException or SourceChangedException)
            {
                // Bad input (or a version that no longer exists): quarantine at once with the specific reason.
                span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name).SetTag(PipelineTelemetry.OutcomeAttribute, "quarantined");
                await AbandonIfTouchedAsync(file, rowsBefore, cancellationToken);
                await AbandonEvalIfTouchedAsync(unit, cancellationToken);
                var reason = ex is InvalidMediaException media
                    ? string.Create(CultureInfo.InvariantCulture, $"{media.Reason} (at byte {media.Offset})")
                    : $"source changed before it was read: {ex.Message}";
                await worker._coordinator.QuarantineAsync(unit.Table, new QuarantinedUnit(unit.UnitId, unit.SourceUri, unit.ETag, reason), _writer, worker._context.PipelineVersion, cancellationToken);
                await ReportAsync([new UnitResult(unit.UnitId, unit.LeaseToken, UnitResultKind.Quarantined, reason, 0, 0)], cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Unknown or transient: the job retries it, then quarantines it after its attempt limit.
                span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name).SetTag(PipelineTelemetry.OutcomeAttribute, "failed");
                await AbandonIfTouchedAsync(file, rowsBefore, cancellationToken);
                await AbandonEvalIfTouchedAsync(unit, cancellationToken);
                await ReportAsync([new UnitResult(unit.UnitId, unit.LeaseToken, UnitResultKind.Failed, $"{ex.GetType().Name}: {ex.Message}", 0, 0)], cancellationToken);
            }
        }

        private async Task<UnitStats> ProcessAudioAsync(LeasedUnit unit, LeasedUnit rowUnit, OpenFile<AudioSegmentRow> file, CancellationToken cancellationToken)
        {
            await using var stream = await worker._source.OpenReadAsync(unit.SourceUri, unit.ETag, cancellationToken);
            var shadow = await ShadowSinkForAsync(unit, cancellationToken);
            var modelShadow = await ModelShadowSinkForAsync(unit, cancellationToken, keepShadowed: true);
            return await _audio.ProcessAsync(rowUnit, stream, worker._context, row => file.AppendAsync(row, cancellationToken), shadow, modelShadow, cancellationToken);
        }

        /// <summary>
        /// Where a sampled unit's model-step eval rows go: the shadowed steps of its kind whose tables have not committed
        /// it yet (a retry), each with the lane's open file of its table; null when none.
        /// </summary>
        private async Task<ModelShadowSink?> ModelShadowSinkForAsync(LeasedUnit unit, CancellationToken cancellationToken, bool keepShadowed = false)
        {
            if (!keepShadowed)
            {
                BeginShadowedUnit();
            }

            if (worker._modelShadow is not { } shadow || !shadow.IsSampled(unit.UnitId))
            {
                return null;
            }

            var steps = new List<string>();
            var files = new Dictionary<string, OpenFile<EvalRow>>(StringComparer.Ordinal);
            foreach (var step in shadow.StepsOf(unit.Kind))
            {
                if (await OpenEvalFileAsync(ModelStepShadow.TableNameOf(step), shadow.LayoutFor(step), unit, cancellationToken) is { } file)
                {
                    steps.Add(step);
                    files[step] = file;
                }
            }

            return steps.Count == 0 ? null : new ModelShadowSink(shadow, steps, (step, row) => files[step].AppendAsync(row, cancellationToken));
        }

        private void BeginShadowedUnit()
        {
            _shadowedUnit = null;
            _evalRowsBefore.Clear();
        }

        /// <summary>The lane's open file of <paramref name="table"/> for <paramref name="unit"/>; null when the table has committed the unit already.</summary>
        private async Task<OpenFile<EvalRow>?> OpenEvalFileAsync(string table, EvalTableLayout layout, LeasedUnit unit, CancellationToken cancellationToken)
        {
            if (!_evalLogs.TryGetValue(table, out var log))
            {
                _evalLogs[table] = log = new TableCommitter(worker._storage.GetTable(worker._outputRoot, table), worker._timeProvider);
            }

            await log.RefreshAsync(cancellationToken);
            if (log.State.IsCommitted(unit.UnitId))
            {
                return null;
            }

            if (!_evalFiles.TryGetValue(table, out var evalFile))
            {
                var store = worker._storage.GetTable(worker._outputRoot, table);
                var (name, stream) = await worker.CreateTableFileAsync(store, table, cancellationToken);
                var writer = await TableFileWriter<EvalRow>.CreateAsync(stream, worker.OutputSettings, layout, cancellationToken);
                _evalFiles[table] = evalFile = new OpenFile<EvalRow>(store, name, stream, writer, worker._timeProvider.GetUtcNow());
            }

            _shadowedUnit = unit;
            _evalRowsBefore[table] = evalFile.Rows;
            return evalFile;
        }

        /// <summary>Where a sampled unit's <c>eval_vad</c> rows go; null when it is not sampled or its rows are committed already (a retry).</summary>
        private async Task<VadShadowSink?> ShadowSinkForAsync(LeasedUnit unit, CancellationToken cancellationToken)
        {
            BeginShadowedUnit();
            if (worker._shadow is not { } shadow || !shadow.IsSampled(unit.UnitId))
            {
                return null;
            }

            var evalFile = await OpenEvalFileAsync(VadShadow.TableName, EvalTableLayout.Vad, unit, cancellationToken);
            return evalFile is null ? null : new VadShadowSink(shadow, row => evalFile.AppendAsync(row, cancellationToken));
        }

        /// <summary>
        /// Commits the lane's evaluation file. When it is not committed, every open data file holding one of its units
        /// is dropped and its units released, so no unit is committed without its evaluation rows.
        /// </summary>
        private async Task<bool> CommitEvalAsync(string table, CancellationToken cancellationToken)
        {
            var eval = _evalFiles[table];
            _evalFiles.Remove(table);
            if (eval.Units.Count == 0)
            {
                await eval.DisposeAsync();
                await eval.Store.DeleteStagedFileAsync(eval.FileName, cancellationToken);
                return true;
            }

            var bytes = await eval.CompleteAsync(cancellationToken);
            await eval.Store.SealStagedFileAsync(eval.FileName, cancellationToken);
            var units = eval.Units.Select(u => new LoggedUnit(u.Unit.UnitId, u.Unit.SourceUri, u.Unit.ETag, u.Unit.Size, u.Stats.Rows, u.Stats.MediaSeconds)).ToList();
            var leases = eval.Units.Select(u => new HeldLease(u.Unit.UnitId, u.Unit.LeaseToken)).ToList();
            var outcome = await CommitWithRetriesAsync(table, new FileCommitRequest(eval.FileName, eval.Rows, bytes, units, _writer, worker._context.PipelineVersion) { KeyId = (eval.Stream as EnvelopeWriteStream)?.KeyEncryptionKeyId }, leases, cancellationToken);
            if (outcome.Committed)
            {
                return true;
            }

            var evalUnits = eval.Units.Select(u => u.Unit.UnitId).ToHashSet(StringComparer.Ordinal);
            foreach (var open in _files.Values.Where(f => f.Units.Any(u => evalUnits.Contains(u.Unit.UnitId))).ToList())
            {
                await AbandonAsync(open, "file dropped: the evaluation rows of its units were not committed", cancellationToken);
            }

            return false;
        }

        private async Task AbandonEvalIfTouchedAsync(LeasedUnit unit, CancellationToken cancellationToken)
        {
            if (_shadowedUnit != unit)
            {
                return;
            }

            foreach (var (table, before) in _evalRowsBefore.ToList())
            {
                if (_evalFiles.TryGetValue(table, out var eval) && eval.Rows != before)
                {
                    await AbandonEvalFileAsync(table, eval, cancellationToken);
                }
            }
        }

        private async Task AbandonEvalFileAsync(string table, OpenFile<EvalRow> eval, CancellationToken cancellationToken)
        {
            // The failed unit's eval rows are in the file: drop it, and the data files of its other units with it.
            _evalFiles.Remove(table);
            await eval.DisposeAsync();
            await eval.Store.DeleteStagedFileAsync(eval.FileName, cancellationToken);
            var evalUnits = eval.Units.Select(u => u.Unit.UnitId).ToHashSet(StringComparer.Ordinal);
            foreach (var open in _files.Values.Where(f => f.Units.Any(u => evalUnits.Contains(u.Unit.UnitId))).ToList())
            {
                await AbandonAsync(open, "file abandoned after another unit failed mid-stream", cancellationToken);
            }
        }

        private async Task<OpenFile> GetOrOpenAsync(LeasedUnit unit, CancellationToken cancellationToken)
        {
            if (_files.TryGetValue(unit.Table, out var open))
            {
                return open;
            }

            var store = worker._storage.GetTable(worker._outputRoot, unit.Table);
            var (name, stream) = await worker.CreateTableFileAsync(store, unit.Table, cancellationToken);
            OpenFile file = unit.Kind == RouteKind.Audio
                ? new OpenFile<AudioSegmentRow>(store, name, stream, await TableFileWriter<AudioSegmentRow>.CreateAsync(stream, worker.OutputSettings, worker._models.ColumnsFor(RouteKind.Audio), cancellationToken), worker._timeProvider.GetUtcNow())
                : new OpenFile<SensorWindowRow>(store, name, stream, await TableFileWriter<SensorWindowRow>.CreateAsync(stream, worker.OutputSettings, worker._models.ColumnsFor(RouteKind.Sensor), cancellationToken), worker._timeProvider.GetUtcNow());
            _files[unit.Table] = file;
            return file;
        }

        private async Task CommitDueAsync(bool force, CancellationToken cancellationToken)
        {
            var maxAge = TimeSpan.FromSeconds(worker._context.Pipeline.Output.MaxFileSeconds);
            var now = worker._timeProvider.GetUtcNow();
            foreach (var (table, file) in _files.ToList())
            {
                if (force || file.ApproximateBytes >= worker._context.Pipeline.Output.TargetFileBytes || now - file.OpenedAt >= maxAge)
                {
                    _files.Remove(table);
                    await CommitAsync(table, file, cancellationToken);
                }
            }

            foreach (var (table, eval) in _evalFiles.ToList())
            {
                if (eval.ApproximateBytes >= worker._context.Pipeline.Output.TargetFileBytes || now - eval.OpenedAt >= maxAge)
                {
                    await CommitEvalAsync(table, cancellationToken);
                }
            }
        }

        private async Task CommitAsync(string table, OpenFile file, CancellationToken cancellationToken)
        {
            if (file.Units.Count == 0)
            {
                await file.DisposeAsync();
                await file.Store.DeleteStagedFileAsync(file.FileName, cancellationToken);
                return;
            }

            // A unit's evaluation rows are committed (in every eval table holding some) before the data file that holds the unit.
            foreach (var (evalTable, eval) in _evalFiles.ToList())
            {
                if (eval.Units.Any(e => file.Units.Any(u => u.Unit.UnitId == e.Unit.UnitId)) && !await CommitEvalAsync(evalTable, cancellationToken))
                {
                    await AbandonAsync(file, "file dropped: the evaluation rows of its units were not committed", cancellationToken);
                    return;
                }
            }

            long bytes;
            using (var write = PipelineTelemetry.StartStage(PipelineTelemetry.WriteStage, file.UnitSpans))
            {
                write.Activity?.SetTag(PipelineTelemetry.TableAttribute, table).SetTag(PipelineTelemetry.FileAttribute, file.FileName).SetTag(PipelineTelemetry.RowsAttribute, file.Rows);
                bytes = await file.CompleteAsync(cancellationToken);
                await file.Store.SealStagedFileAsync(file.FileName, cancellationToken);
            }

            var units = file.Units.Select(u => new LoggedUnit(u.Unit.UnitId, u.Unit.SourceUri, u.Unit.ETag, u.Unit.Size, u.Stats.Rows, u.Stats.MediaSeconds)).ToList();
            var leases = file.Units.Select(u => new HeldLease(u.Unit.UnitId, u.Unit.LeaseToken)).ToList();
            FileCommitOutcome outcome;
            using (var commit = PipelineTelemetry.StartStage(PipelineTelemetry.CommitStage, file.UnitSpans))
            {
                commit.Activity?.SetTag(PipelineTelemetry.TableAttribute, table).SetTag(PipelineTelemetry.FileAttribute, file.FileName);
                outcome = await CommitWithRetriesAsync(table, new FileCommitRequest(file.FileName, file.Rows, bytes, units, _writer, worker._context.PipelineVersion) { KeyId = (file.Stream as EnvelopeWriteStream)?.KeyEncryptionKeyId }, leases, cancellationToken);
                commit.Activity?.SetTag(PipelineTelemetry.CommittedAttribute, outcome.Committed);
            }

            if (outcome.Committed)
            {
                PipelineTelemetry.RecordCommitted(
                    table,
                    file.Units.Sum(u => u.Stats.Rows),
                    file.Units.Sum(u => u.Unit.Size),
                    file.Units.Where(u => u.Unit.Kind == RouteKind.Audio).Sum(u => u.Stats.MediaSeconds));
            }

            var conflicts = outcome.AlreadyCommittedUnits.ToHashSet(StringComparer.Ordinal);
            var reason = outcome.LostLeases.Count > 0
                ? $"file rejected: the lease of {outcome.LostLeases.Count} unit(s) was taken over (first {outcome.LostLeases[0]})"
                : "file rejected: other units were already committed";
            var results = file.Units.Select(u => outcome.Committed || conflicts.Contains(u.Unit.UnitId)
                ? new UnitResult(u.Unit.UnitId, u.Unit.LeaseToken, UnitResultKind.Committed, null, u.Stats.Rows, u.Stats.MediaSeconds)
                : new UnitResult(u.Unit.UnitId, u.Unit.LeaseToken, UnitResultKind.Released, reason, 0, 0)).ToList();
            await ReportAsync(results, cancellationToken);
        }

        /// <summary>
        /// Commits with retries (exponential backoff with jitter): the commit is idempotent for the same file, so a
        /// retry after a lost answer finishes the commit instead of leaving a logged file unpublished.
        /// </summary>
        private async Task<FileCommitOutcome> CommitWithRetriesAsync(string table, FileCommitRequest request, IReadOnlyList<HeldLease> leases, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await worker._coordinator.CommitFileAsync(table, request, leases, cancellationToken);
                }
                catch (Exception ex) when (attempt < MaxCommitAttempts && ex is not (OperationCanceledException or ArgumentException or InvalidOperationException))
                {
                    var backoff = TimeSpan.FromMilliseconds((250 << attempt) * (0.5 + Random.Shared.NextDouble()));
                    await Task.Delay(backoff, worker._timeProvider, cancellationToken);
                }
            }
        }

        private async Task AbandonIfTouchedAsync(OpenFile file, long rowsBefore, CancellationToken cancellationToken)
        {
            if (file.Rows == rowsBefore)
            {
                return;
            }

            // Rows of the failed unit are already in the file: drop the file and give its finished units back.
            await AbandonAsync(file, "file abandoned after another unit failed mid-stream", cancellationToken);
        }

        private async Task AbandonAsync(OpenFile file, string reason, CancellationToken cancellationToken)
        {
            foreach (var (table, open) in _files.ToList())
            {
                if (ReferenceEquals(open, file))
                {
                    _files.Remove(table);
                }
            }

            await file.DisposeAsync();
            await file.Store.DeleteStagedFileAsync(file.FileName, cancellationToken);
            var released = file.Units.Select(u => new UnitResult(u.Unit.UnitId, u.Unit.LeaseToken, UnitResultKind.Released, reason, 0, 0)).ToList();
            if (released.Count > 0)
            {
                await ReportAsync(released, cancellationToken);
            }
        }

        private Task ReportAsync(IReadOnlyList<UnitResult> results, CancellationToken cancellationToken)
        {
            PipelineTelemetry.RecordResults(results);
            return worker._coordinator.ReportAsync(results, cancellationToken);
        }
    }

    private abstract class OpenFile(ITableStore store, string fileName, Stream stream, DateTimeOffset openedAt) : IAsyncDisposable
    {
        public ITableStore Store { get; } = store;
        public string FileName { get; } = fileName;
        public DateTimeOffset OpenedAt { get; } = openedAt;
        public List<(LeasedUnit Unit, UnitStats Stats)> Units { get; } = [];
        public List<ActivityLink> UnitSpans { get; } = [];
        public abstract long Rows { get; }
        public abstract long ApproximateBytes { get; }
        public Stream Stream { get; } = stream;

        public abstract ValueTask AppendAsync<TRow>(TRow row, CancellationToken cancellationToken);

        public abstract ValueTask<long> CompleteAsync(CancellationToken cancellationToken);

        public abstract ValueTask DisposeAsync();
    }

    private sealed class OpenFile<T>(ITableStore store, string fileName, Stream stream, TableFileWriter<T> writer, DateTimeOffset openedAt)
        : OpenFile(store, fileName, stream, openedAt)
        where T : class
    {
        private bool _disposed;

        public override long Rows => writer.RowCount;

        public override long ApproximateBytes => writer.ApproximateBytes;

        public override ValueTask AppendAsync<TRow>(TRow row, CancellationToken cancellationToken) =>
            row is T typed ? writer.AppendAsync([typed], cancellationToken) : throw new ArgumentException($"A {typeof(TRow).Name} does not belong in this file.", nameof(row));

        public override async ValueTask<long> CompleteAsync(CancellationToken cancellationToken)
        {
            await writer.CompleteAsync(cancellationToken);
            var bytes = writer.ApproximateBytes;
            await DisposeAsync();
            return bytes;
        }

        public override async ValueTask DisposeAsync()
        {
            if (!_disposed)
            {
                _disposed = true;
                await writer.DisposeAsync();
                await Stream.DisposeAsync();
            }
        }
    }
}
