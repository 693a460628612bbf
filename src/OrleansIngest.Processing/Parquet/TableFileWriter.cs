using global::Parquet;

namespace OrleansIngest.Processing.Parquet;

/// <summary>
/// Streams rows of one table into one Parquet file: rows are buffered up to
/// <see cref="ParquetOutputSettings.RowGroupRows"/> (or until their estimated size reaches
/// <see cref="ParquetOutputSettings.RowGroupBytes"/>) and then written as a row group, so a writer never holds more
/// than one row group. <see cref="CompleteAsync"/> writes the footer; the stream stays open for the caller to
/// flush to disk and close. Rows are <see cref="AudioSegmentRow"/> or <see cref="SensorWindowRow"/>.
/// Not thread-safe: one writer belongs to one producer.
/// </summary>
/// <typeparam name="TRow">The row record of the table.</typeparam>
public sealed class TableFileWriter<TRow> : IAsyncDisposable
    where TRow : class
{
    private readonly TableLayout<TRow> _layout;
    private readonly CountingWriteStream _output;
    private readonly ParquetWriter _writer;
    private readonly ParquetOutputSettings _settings;
    private readonly List<TRow> _buffer;
    private long _bufferedEstimate;
    private long _writtenEstimate;
    private long _rowGroupsWritten;
    private State _state;

    private TableFileWriter(TableLayout<TRow> layout, CountingWriteStream output, ParquetWriter writer, ParquetOutputSettings settings)
    {
        _settings = settings;
        _layout = layout;
        _output = output;
        _writer = writer;
        _buffer = new List<TRow>(settings.RowGroupRows);
    }

    private enum State
    {
        Open,
        Completed,
        Faulted,
        Disposed,
    }

    /// <summary>The table this writer writes (<see cref="TableSchemas"/>).</summary>
    public string TableName => _layout.TableName;

    /// <summary>Rows appended so far, written or buffered.</summary>
    public long RowCount { get; private set; }

    /// <summary>Row groups written to the stream so far.</summary>
    public long RowGroupCount => _rowGroupsWritten;

    /// <summary>
    /// Bytes written to the stream so far plus an estimate for the buffered rows (their raw size scaled by the
    /// compression ratio seen so far), so that callers can roll files at
    /// <see cref="ParquetOutputSettings.TargetFileBytes"/>. The footer (a few KB) is not included.
    /// </summary>
    public long ApproximateBytes
    {
        get
        {
            var written = _output.BytesWritten;
            if (_bufferedEstimate == 0)
            {
                return written;
            }

            // Before the first row group the raw estimate is all there is, and it errs on the large side.
            var ratio = _writtenEstimate > 0 ? Math.Min(1.0, (double)written / _writtenEstimate) : 1.0;
            return written + (long)Math.Ceiling(_bufferedEstimate * ratio);
        }
    }

    /// <summary>Starts a file on <paramref name="output"/> (writes the Parquet magic).</summary>
    /// <param name="output">A writable stream; it need not be seekable and is never closed by the writer.</param>
    /// <param name="settings">Row group size and compression.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="TRow"/> is not a table row.</exception>
    public static Task<TableFileWriter<TRow>> CreateAsync(
        Stream output,
        ParquetOutputSettings settings,
        CancellationToken cancellationToken = default) =>
        CreateAsync(output, settings, [], cancellationToken);

    /// <summary>Starts a file whose schema is the table's built-in columns followed by <paramref name="modelColumns"/>.</summary>
    /// <param name="output">A writable stream; it need not be seekable and is never closed by the writer.</param>
    /// <param name="settings">Row group size and compression.</param>
    /// <param name="modelColumns">Columns of the pipeline's model steps for this table (see <see cref="ModelColumn"/>).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ArgumentException">The settings are invalid, or a model column clashes with another column.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="TRow"/> is not a table row.</exception>
    public static async Task<TableFileWriter<TRow>> CreateAsync(
        Stream output,
        ParquetOutputSettings settings,
        IReadOnlyList<ModelColumn> modelColumns,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(modelColumns);
        return await CreateAsync(output, settings, TableLayouts.For<TRow>(modelColumns), cancellationToken);
    }

    /// <summary>Starts a file with an explicit layout (tables whose columns depend on configuration, e.g. <c>eval_*</c>).</summary>
    internal static async Task<TableFileWriter<TRow>> CreateAsync(
        Stream output,
        ParquetOutputSettings settings,
        TableLayout<TRow> layout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(layout);
        if (!output.CanWrite)
        {
            throw new ArgumentException("The output stream is not writable.", nameof(output));
        }

        var options = layout.CreateOptions(settings);
        var counting = new CountingWriteStream(output);
        var writer = await ParquetWriter.CreateAsync(layout.Schema, counting, options, append: false, cancellationToken);
        writer.CustomMetadata = layout.FileMetadata(settings);
        return new TableFileWriter<TRow>(layout, counting, writer, settings);
    }

    /// <summary>
    /// Adds rows; each time <see cref="ParquetOutputSettings.RowGroupRows"/> rows are buffered they are written as
    /// a row group. Rows are validated first, so a bad row throws before anything of the call is buffered.
    /// </summary>
    /// <exception cref="ArgumentException">A row is null or breaks the table's contract.</exception>
    /// <exception cref="InvalidOperationException">The writer was completed, faulted or disposed.</exception>
    public async ValueTask AppendAsync(IReadOnlyList<TRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        EnsureOpen();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} is null.", nameof(rows));
            _layout.Validate(row);
        }

        for (var i = 0; i < rows.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _buffer.Add(rows[i]);
            _bufferedEstimate += _layout.EstimateBytes(rows[i]);
            RowCount++;
            if (_buffer.Count == _settings.RowGroupRows || (_settings.RowGroupBytes > 0 && _bufferedEstimate >= _settings.RowGroupBytes))
            {
                await FlushRowGroupAsync(cancellationToken);
            }
        }
    }

    /// <summary>
    /// Writes the buffered rows and the footer. The file is then complete (also with zero rows); flushing it to
    /// disk and closing the stream are the caller's.
    /// </summary>
    /// <exception cref="InvalidOperationException">The writer was completed, faulted or disposed.</exception>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        EnsureOpen();
        if (_buffer.Count > 0)
        {
            await FlushRowGroupAsync(cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            // Disposing Parquet.Net's writer is what writes the footer; it flushes but does not close our stream.
            await _writer.DisposeAsync();
        }
        catch
        {
            _state = State.Faulted;
            throw;
        }

        _state = State.Completed;
    }

    /// <summary>
    /// Releases buffered rows. A writer that was not completed writes no footer, so an abandoned file can never be
    /// mistaken for a complete one.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        _buffer.Clear();
        _bufferedEstimate = 0;
        _state = State.Disposed;
        return ValueTask.CompletedTask;
    }

    private async ValueTask FlushRowGroupAsync(CancellationToken cancellationToken)
    {
        try
        {
            using (var rowGroup = _writer.CreateRowGroup())
            {
                await _layout.WriteColumnsAsync(rowGroup, _buffer, _settings, cancellationToken);
                rowGroup.CompleteValidate();
            }
        }
        catch
        {
            // A half-written row group cannot be taken back: the file is unusable from here on.
            _state = State.Faulted;
            throw;
        }

        _rowGroupsWritten++;
        _writtenEstimate += _bufferedEstimate;
        _bufferedEstimate = 0;
        _layout.Release(_buffer);
        _buffer.Clear();
    }

    private void EnsureOpen()
    {
        switch (_state)
        {
            case State.Open:
                return;
            case State.Completed:
                throw new InvalidOperationException($"The {TableName} file was already completed.");
            case State.Faulted:
                throw new InvalidOperationException($"An earlier write to the {TableName} file failed; the file is incomplete.");
            default:
                throw new InvalidOperationException($"The {TableName} writer was disposed.");
        }
    }
}
