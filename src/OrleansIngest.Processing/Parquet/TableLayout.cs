using global::Parquet;
using global::Parquet.Schema;

namespace OrleansIngest.Processing.Parquet;

/// <summary>The schema of one table and how its row records become columns of a row group.</summary>
internal abstract class TableLayout<TRow>
{
    public abstract string TableName { get; }

    public abstract ParquetSchema Schema { get; }

    /// <summary>Element fields of float/double lists, which may be written BYTE_STREAM_SPLIT.</summary>
    protected internal abstract IEnumerable<DataField> FloatListElements { get; }

    /// <summary>Throws <see cref="ArgumentException"/> when a row breaks the table's contract.</summary>
    public abstract void Validate(TRow row);

    /// <summary>Rough uncompressed size of one row in the file, for rolling files at a target size.</summary>
    public abstract long EstimateBytes(TRow row);

    /// <summary>Writes every column, in schema order, for <paramref name="rows"/>, as <paramref name="settings"/> say.</summary>
    public abstract Task WriteColumnsAsync(ParquetRowGroupWriter writer, IReadOnlyList<TRow> rows, ParquetOutputSettings settings, CancellationToken cancellationToken);

    /// <summary>Key-value metadata of the file's footer that says how <paramref name="settings"/> stored the values.</summary>
    public virtual IReadOnlyDictionary<string, string> FileMetadata(ParquetOutputSettings settings) => new Dictionary<string, string>();

    /// <summary>Called once <paramref name="rows"/> are written: gives back buffers the rows borrowed.</summary>
    public virtual void Release(IReadOnlyList<TRow> rows)
    {
    }

    public ParquetOptions CreateOptions(ParquetOutputSettings settings)
    {
        var options = settings.ToParquetOptions();
        if (settings.ByteStreamSplitFloats)
        {
            foreach (var field in FloatListElements)
            {
                options.ColumnEncodingHints[field.Path.ToString()] = EncodingHint.ByteSplitStream;
            }
        }

        return options;
    }

    /// <summary>The element of a list whose elements are required; the writer's levels assume exactly this shape.</summary>
    protected static DataField<T> RequiredElement<T>() => new(ListField.ElementName, nullable: false);

    protected static DateTimeDataField UtcTimestamp(string name) =>
        new(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

    protected static ParquetSchema CreateSchema(Field[] fields, IEnumerable<DataField> listElements)
    {
        var schema = new ParquetSchema(fields);
        foreach (var element in listElements)
        {
            if (element.MaxDefinitionLevel != ColumnWrites.ElementLevel || element.MaxRepetitionLevel != 1)
            {
                throw new InvalidOperationException(
                    $"List element '{element.Path}' has levels RL={element.MaxRepetitionLevel}, DL={element.MaxDefinitionLevel}; the writer expects RL=1, DL={ColumnWrites.ElementLevel}.");
            }
        }

        return schema;
    }

    protected static long Utf8Estimate(string? value) => value is null ? 0 : value.Length + 4;
}

/// <summary>Resolves the layout of a row type.</summary>
internal static class TableLayouts
{
    /// <summary>The layout of <typeparamref name="TRow"/>, grown by <paramref name="modelColumns"/> when there are any.</summary>
    public static TableLayout<TRow> For<TRow>(IReadOnlyList<ModelColumn> modelColumns)
    {
        var layout = For<TRow>();
        if (modelColumns.Count == 0)
        {
            return layout;
        }

        return typeof(TRow) == typeof(AudioSegmentRow)
            ? (TableLayout<TRow>)(object)new ModelColumnsLayout<AudioSegmentRow>(AudioSegmentLayout.Instance, modelColumns, static r => r.ModelColumns)
            : (TableLayout<TRow>)(object)new ModelColumnsLayout<SensorWindowRow>(SensorWindowLayout.Instance, modelColumns, static r => r.ModelColumns);
    }

    public static TableLayout<TRow> For<TRow>()
    {
        if (typeof(TRow) == typeof(AudioSegmentRow))
        {
            return (TableLayout<TRow>)(object)AudioSegmentLayout.Instance;
        }

        if (typeof(TRow) == typeof(SensorWindowRow))
        {
            return (TableLayout<TRow>)(object)SensorWindowLayout.Instance;
        }

        throw new NotSupportedException(
            $"No table layout for {typeof(TRow).Name}; supported rows are {nameof(AudioSegmentRow)} and {nameof(SensorWindowRow)}.");
    }
}
