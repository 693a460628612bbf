using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Per-sensor state keyed by the sensor id, looked up without allocating a string per record, in order of first
/// appearance. Records without a sensor id share one entry whose id is null.
/// </summary>
internal sealed class SensorTable<T>
    where T : class
{

    private readonly Dictionary<string, T> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly List<KeyValuePair<string?, T>> _ordered = [];
    private readonly string _sourceUri;
    private readonly int _maxSensors;
    private T? _unnamed;

    public SensorTable(string sourceUri, int maxSensors)
    {
        _sourceUri = sourceUri;
        _maxSensors = maxSensors;
        _bySpan = _byId.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Entries in order of first appearance.</summary>
    public IReadOnlyList<KeyValuePair<string?, T>> InOrder => _ordered;

    /// <summary>Finds the entry of a record's sensor (<paramref name="hasId"/> false: the unnamed sensor).</summary>
    public bool TryGet(bool hasId, ReadOnlySpan<char> id, out T value)
    {
        if (!hasId)
        {
            value = _unnamed!;
            return _unnamed is not null;
        }

        return _bySpan.TryGetValue(id, out value!);
    }

    /// <summary>Adds the entry of a sensor not seen before, within the bound on distinct sensors.</summary>
    public void Add(bool hasId, ReadOnlySpan<char> id, T value, long lineNumber, long offset)
    {
        if (hasId)
        {
            if (_byId.Count >= _maxSensors)
            {
                throw new InvalidMediaException(_sourceUri, offset, $"line {lineNumber}: more than {_maxSensors} distinct sensor_id values");
            }

            var name = id.ToString();
            _byId.Add(name, value);
            _ordered.Add(new KeyValuePair<string?, T>(name, value));
        }
        else
        {
            _unnamed = value;
            _ordered.Add(new KeyValuePair<string?, T>(null, value));
        }
    }

    /// <summary>Finds an entry by the id a window reports.</summary>
    public bool TryGet(string? id, out T value) => id is null ? TryGet(false, default, out value) : TryGet(true, id, out value);
}
