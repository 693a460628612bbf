using System.Buffers;
using System.Globalization;
using global::Parquet;
using global::Parquet.Schema;

namespace OrleansIngest.Processing.Parquet;

/// <summary>A built-in table layout grown by model columns, written after the built-in ones in declaration order.</summary>
internal sealed class ModelColumnsLayout<TRow> : TableLayout<TRow>
{
    private readonly TableLayout<TRow> _inner;
    private readonly Func<TRow, IReadOnlyDictionary<string, object?>?> _values;
    private readonly IReadOnlyList<ModelColumn> _columns;
    private readonly DataField[] _fields;
    private readonly DataField[] _listElements;
    private readonly ParquetSchema _schema;

    public ModelColumnsLayout(TableLayout<TRow> inner, IReadOnlyList<ModelColumn> columns, Func<TRow, IReadOnlyDictionary<string, object?>?> values)
    {
        _inner = inner;
        _values = values;
        _columns = columns;
        var builtIn = inner.Schema.Fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var fields = new List<Field>(inner.Schema.Fields);
        _fields = new DataField[columns.Count];
        var elements = new List<DataField>();
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            if (!builtIn.Add(column.Name))
            {
                throw new ArgumentException($"Model column '{column.Name}' clashes with another column of the {inner.TableName} table.", nameof(columns));
            }

            DataField field = column.Kind switch
            {
                ModelColumnKind.Float => new DataField<float?>(column.Name, nullable: true),
                ModelColumnKind.Double => new DataField<double?>(column.Name, nullable: true),
                ModelColumnKind.Int64 => new DataField<long?>(column.Name, nullable: true),
                ModelColumnKind.String => new DataField<string>(column.Name, nullable: true),
                ModelColumnKind.FloatList when column.Length >= 1 => RequiredElement<float>(),
                _ => throw new ArgumentException($"Model column '{column.Name}' has kind {column.Kind} and length {column.Length}.", nameof(columns)),
            };
            _fields[i] = field;
            if (column.Kind == ModelColumnKind.FloatList)
            {
                elements.Add(field);
                fields.Add(new ListField(column.Name, field));
            }
            else
            {
                fields.Add(field);
            }
        }

        _listElements = [.. elements];
        _schema = CreateSchema([.. fields], _listElements);
    }

    public override string TableName => _inner.TableName;

    public override ParquetSchema Schema => _schema;

    protected internal override IEnumerable<DataField> FloatListElements => _inner.FloatListElements.Concat(_listElements);

    public override void Validate(TRow row)
    {
        _inner.Validate(row);
        var values = _values(row);
        if (values is null)
        {
            return;
        }

        foreach (var column in _columns)
        {
            if (!values.TryGetValue(column.Name, out var value) || value is null)
            {
                continue;
            }

            var valid = column.Kind switch
            {
                ModelColumnKind.Float => value is float,
                ModelColumnKind.Double => value is double,
                ModelColumnKind.Int64 => value is long,
                ModelColumnKind.String => value is string,
                _ => value is float[] list && list.Length == column.Length,
            };
            if (!valid)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Model column '{column.Name}' of {TableName} expects {Describe(column)}, got {Describe(value)}."),
                    nameof(row));
            }
        }
    }

    public override long EstimateBytes(TRow row)
    {
        long bytes = _inner.EstimateBytes(row);
        foreach (var column in _columns)
        {
            bytes += column.Kind switch
            {
                ModelColumnKind.Float => 5,
                ModelColumnKind.Double or ModelColumnKind.Int64 => 9,
                ModelColumnKind.FloatList => (column.Length * sizeof(float)) + 2,
                _ => Utf8Estimate(Value(row, column) as string),
            };
        }

        return bytes;
    }

    public override void Release(IReadOnlyList<TRow> rows) => _inner.Release(rows);

    public override IReadOnlyDictionary<string, string> FileMetadata(ParquetOutputSettings settings) => _inner.FileMetadata(settings);

    public override async Task WriteColumnsAsync(ParquetRowGroupWriter writer, IReadOnlyList<TRow> rows, ParquetOutputSettings settings, CancellationToken cancellationToken)
    {
        await _inner.WriteColumnsAsync(writer, rows, settings, cancellationToken);
        for (var i = 0; i < _columns.Count; i++)
        {
            var column = _columns[i];
            var field = _fields[i];
            switch (column.Kind)
            {
                case ModelColumnKind.Float:
                    await NullableValuesAsync(writer, field, rows, r => Value(r, column) as float?, cancellationToken);
                    break;
                case ModelColumnKind.Double:
                    await NullableValuesAsync(writer, field, rows, r => Value(r, column) as double?, cancellationToken);
                    break;
                case ModelColumnKind.Int64:
                    await NullableValuesAsync(writer, field, rows, r => Value(r, column) as long?, cancellationToken);
                    break;
                case ModelColumnKind.String:
                    await ColumnWrites.NullableStringsAsync(writer, field, rows, r => Value(r, column) as string, cancellationToken);
                    break;
                default:
                    await ColumnWrites.ListAsync(writer, field, rows, r => Value(r, column) as float[], cancellationToken);
                    break;
            }
        }
    }

    private static async Task NullableValuesAsync<T>(
        ParquetRowGroupWriter writer, DataField field, IReadOnlyList<TRow> rows, Func<TRow, T?> select, CancellationToken cancellationToken)
        where T : struct
    {
        var buffer = ArrayPool<T?>.Shared.Rent(Math.Max(rows.Count, 1));
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                buffer[i] = select(rows[i]);
            }

            await writer.WriteAsync(field, new ReadOnlyMemory<T?>(buffer, 0, rows.Count), null, null, cancellationToken);
        }
        finally
        {
            ArrayPool<T?>.Shared.Return(buffer);
        }
    }

    private static string Describe(ModelColumn column) => column.Kind == ModelColumnKind.FloatList
        ? string.Create(CultureInfo.InvariantCulture, $"{column.Length} floats")
        : column.Kind.ToString().ToLowerInvariant();

    private static string Describe(object value) => value is float[] list
        ? string.Create(CultureInfo.InvariantCulture, $"{list.Length} floats")
        : value.GetType().Name;

    private object? Value(TRow row, ModelColumn column) =>
        _values(row) is { } values && values.TryGetValue(column.Name, out var value) ? value : null;
}
