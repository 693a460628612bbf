using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// The statistics pass, shared by every format: assigns each record to its sensor's window and queues windows as
/// they close. Sorted sensors hold one open window; unsorted ones (known from the first pass) hold one per touched
/// window.
/// </summary>
internal sealed class SensorWindowEngine
{
    private readonly string[] _channelNames;
    private readonly string _sourceUri;
    private readonly SensorWindowSettings _settings;
    private readonly SensorScan? _scan;
    private readonly SensorTable<SensorSeries> _series;
    private readonly Queue<SensorWindow> _closed = new();
    private readonly long _lengthTicks;
    private long _rows;
    private int _openWindows;

    public SensorWindowEngine(string[] channelNames, string sourceUri, SensorWindowSettings settings, SensorScan? scan)
    {
        _channelNames = channelNames;
        _sourceUri = sourceUri;
        _settings = settings;
        _scan = scan;
        _series = new SensorTable<SensorSeries>(sourceUri, settings.MaxSensors);
        _lengthTicks = settings.WindowLength.Ticks;
    }

    public bool TryTakeClosed(out SensorWindow window) => _closed.TryDequeue(out window!);

    /// <summary>Adds the record the parser holds.</summary>
    public void Add(ISensorRecordParser record, long lineNumber, long offset)
    {
        _rows++;
        var ticks = record.Ticks;
        if (!_series.TryGet(record.HasSensorId, record.SensorId, out var series))
        {
            series = CreateSeries(record, ticks);
            _series.Add(record.HasSensorId, record.SensorId, series, lineNumber, offset);
        }

        if (ticks < series.T0)
        {
            throw OutOfOrder(lineNumber, offset, "is earlier than the sensor's first row");
        }

        var index = (ticks - series.T0) / _lengthTicks;
        if (index > int.MaxValue)
        {
            throw new InvalidMediaException(_sourceUri, offset, $"line {lineNumber}: the timestamp lies more than {int.MaxValue} windows after the sensor's first");
        }

        var start = series.T0 + (index * _lengthTicks);
        if (start > DateTime.MaxValue.Ticks - _lengthTicks)
        {
            throw new InvalidMediaException(_sourceUri, offset, $"line {lineNumber}: the timestamp's window ends after the year 9999");
        }

        var window = series.Sorted
            ? SortedWindow(series, (int)index, start, lineNumber, offset)
            : UnsortedWindow(series, (int)index, start, lineNumber, offset);
        if (window.SampleCount == int.MaxValue)
        {
            throw new InvalidMediaException(_sourceUri, offset, $"line {lineNumber}: more than {int.MaxValue} rows in one window");
        }

        window.Add(ticks, record.Values);
    }

    public void Complete(string noRecordsReason, long endOffset)
    {
        if (_rows == 0)
        {
            throw new InvalidMediaException(_sourceUri, endOffset, noRecordsReason);
        }

        if (_scan is not null && _scan.Rows != _rows)
        {
            throw SensorWindowReader.SourceChanged(_sourceUri);
        }

        foreach (var (_, series) in _series.InOrder)
        {
            if (series.Current is not null)
            {
                Close(series, series.Current);
                series.Current = null;
            }

            if (series.Open is not null)
            {
                foreach (var index in series.Open.Keys.Order())
                {
                    Close(series, series.Open[index]);
                }

                series.Open.Clear();
            }
        }
    }

    private SensorSeries CreateSeries(ISensorRecordParser record, long firstTicks)
    {
        var id = record.HasSensorId ? record.SensorId.ToString() : null;
        if (_scan is null)
        {
            return new SensorSeries(id, firstTicks, sorted: true);
        }

        if (!_scan.Sensors.TryGet(record.HasSensorId, record.SensorId, out var extent))
        {
            throw SensorWindowReader.SourceChanged(_sourceUri);
        }

        return new SensorSeries(id, extent.MinTicks, extent.IsSorted);
    }

    private WindowAccumulator SortedWindow(SensorSeries series, int index, long start, long lineNumber, long offset)
    {
        var current = series.Current;
        if (current is not null)
        {
            if (index == current.Index)
            {
                return current;
            }

            if (index < current.Index)
            {
                throw OutOfOrder(lineNumber, offset, "falls in a window that was already emitted");
            }

            Close(series, current);
        }

        series.Current = Open(index, start, lineNumber, offset);
        return series.Current;
    }

    private WindowAccumulator UnsortedWindow(SensorSeries series, int index, long start, long lineNumber, long offset)
    {
        series.Open ??= [];
        if (!series.Open.TryGetValue(index, out var window))
        {
            window = Open(index, start, lineNumber, offset);
            series.Open.Add(index, window);
        }

        return window;
    }

    private WindowAccumulator Open(int index, long start, long lineNumber, long offset)
    {
        if (_openWindows >= _settings.MaxOpenWindows)
        {
            throw new InvalidMediaException(
                _sourceUri,
                offset,
                $"line {lineNumber}: the rows are out of time order over more than {_settings.MaxOpenWindows} windows");
        }

        if ((long)(_openWindows + 1) * _channelNames.Length > _settings.MaxOpenChannelWindows)
        {
            throw new InvalidMediaException(
                _sourceUri,
                offset,
                $"line {lineNumber}: {_openWindows + 1} open windows of {_channelNames.Length} channels exceed the bound of {_settings.MaxOpenChannelWindows} channel statistics held at once");
        }

        _openWindows++;
        return new WindowAccumulator(index, start, _channelNames.Length);
    }

    private void Close(SensorSeries series, WindowAccumulator window)
    {
        _openWindows--;
        _closed.Enqueue(window.ToWindow(series.Id, _channelNames, _lengthTicks));
    }

    private Exception OutOfOrder(long lineNumber, long offset, string what)
    {
        // With a first pass this cannot happen unless the content changed under us.
        if (_scan is not null)
        {
            return SensorWindowReader.SourceChanged(_sourceUri);
        }

        return new InvalidMediaException(
            _sourceUri,
            offset,
            $"line {lineNumber}: the timestamp {what}; the rows are out of time order, which needs the two-pass read (AssumeSorted is set)");
    }

    private sealed class SensorSeries(string? id, long t0, bool sorted)
    {
        public string? Id { get; } = id;

        public long T0 { get; } = t0;

        public bool Sorted { get; } = sorted;

        public WindowAccumulator? Current { get; set; }

        public Dictionary<int, WindowAccumulator>? Open { get; set; }
    }
}
