namespace OrleansIngest.Processing.Synthetic;

/// <summary>What <see cref="CorpusGenerator"/> produces.</summary>
/// <param name="AudioMinutes">Total audio duration over all audio files, in minutes.</param>
/// <param name="SensorFiles">Number of sensor CSV files.</param>
/// <param name="BadFiles">Number of deliberately broken files (taken in turn from a fixed list of seven kinds).</param>
/// <param name="Seed">Fixes every byte of the output.</param>
public sealed record CorpusSettings(double AudioMinutes = 3, int SensorFiles = 3, int BadFiles = 3, int Seed = 42);
