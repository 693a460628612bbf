namespace OrleansIngest.Processing.Decoding.Ffmpeg;

/// <summary>An ffmpeg executable that answered <c>ffmpeg -version</c>.</summary>
/// <param name="Path">Full path of the executable.</param>
/// <param name="Version">The first line of its version banner (e.g. <c>ffmpeg version 5.1.6-0+deb12u1</c>).</param>
public sealed record FfmpegInstallation(string Path, string Version);
