namespace OrleansIngest.Processing.Governance;

/// <summary>How sensitive a table's rows are; the tier decides what may be written, who may read it and how it is stored.</summary>
public enum SensitivityTier
{
    /// <summary>May be shared outside the organisation: no raw or invertible content.</summary>
    Public,

    /// <summary>The default: any employee with access to the output may read it; no raw content.</summary>
    Internal,

    /// <summary>Named people only: operators read rows, outputs must be encrypted.</summary>
    Confidential,

    /// <summary>As confidential, and source URIs are replaced by a keyed HMAC whose mapping only operators may read.</summary>
    Restricted,
}

/// <summary>What a column holds, for the <see cref="SensitivityPolicy"/>.</summary>
public enum ColumnClass
{
    /// <summary>Provenance that names nothing outside the table (ids, versions, timestamps of ingest).</summary>
    Lineage,

    /// <summary>Names the source (its URI): masked with an HMAC at <see cref="SensitivityTier.Restricted"/>.</summary>
    Identifier,

    /// <summary>Summaries that do not allow the content to be reconstructed (statistics, VAD probabilities).</summary>
    Derived,

    /// <summary>
    /// Derived, but close enough to the content to rebuild it: a log-mel spectrogram can be turned back into
    /// intelligible speech by a neural vocoder, so it is treated almost as raw content.
    /// </summary>
    DerivedInvertible,

    /// <summary>The content itself (PCM, FLAC bytes, waveforms, raw model inputs).</summary>
    RawContent,
}

/// <summary>Who reads rows or sample data through the dashboard or API.</summary>
public enum ReaderRole
{
    /// <summary>Dashboard viewer: sees progress; reads rows up to <see cref="SensitivityTier.Internal"/>.</summary>
    Viewer,

    /// <summary>Operator: reads rows of every tier and the source map of restricted tables.</summary>
    Operator,
}
