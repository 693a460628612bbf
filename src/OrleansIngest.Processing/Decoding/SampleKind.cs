namespace OrleansIngest.Processing.Decoding;

/// <summary>Sample encodings the PCM converters understand.</summary>
internal enum SampleKind
{
    UInt8,
    Int16,
    Int24,
    Int32,
    Float32,
    Float64,
}
