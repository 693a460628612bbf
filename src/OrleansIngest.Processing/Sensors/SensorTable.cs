using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Per-sensor state keyed by the <c>sensor_id</c> cell, looked up without allocating a string per row, in order
/// of first appearance. A file without a sensor_id column has one entry with a null id.
/// </summary>
internal sealed class SensorTable<T>
    where T : class
{
    private readonly Dictionary<string, T> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly List<KeyValuePair<string?, T>> _ordered = [];
    private readonly bool _hasIds;
    private readonly string _sourceUri;
    private readonly int _maxSensors;
    private T? _single;

    public SensorTable(SensorCsvHeader header, string sourceUri, int maxSensors)
    {
        _hasIds = header.SensorIdColumn >= 0;
        _sourceUri = sourceUri;
        _maxSensors = maxSensors;
        _bySpan = _byId.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Entries in order of first appearance.</summary>
    public IReadOnlyList<KeyValuePair<string?, T>> InOrder => _ordered;

    public T Get(ReadOnlySpan<char> line, CsvCell idCell, int lineNumber, long offset, Func<string?, T> create)
    {
        if (!_hasIds)
        {
            if (_single is null)
            {
                _single = create(null);
                _ordered.Add(new KeyValuePair<string?, T>(null, _single));
            }

            return _single;
        }

        if (!idCell.HasEscapedQuotes && _bySpan.TryGetValue(idCell.Slice(line), out var found))
        {
            return found;
        }

        var id = idCell.ToText(line);
        if (_byId.TryGetValue(id, out found))
        {
            return found;
        }

        if (_byId.Count >= _maxSensors)
        {
            throw new InvalidMediaException(_sourceUri, offset, $"line {lineNumber}: more than {_maxSensors} distinct sensor_id values");
        }

        var created = create(id);
        _byId.Add(id, created);
        _ordered.Add(new KeyValuePair<string?, T>(id, created));
        return created;
    }

    public bool TryGet(string? id, out T value)
    {
        if (!_hasIds)
        {
            value = _single!;
            return _single is not null;
        }

        return _byId.TryGetValue(id ?? string.Empty, out value!);
    }
}
