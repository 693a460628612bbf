namespace OrleansIngest.Processing.Inference;

/// <summary>Voice activity of one stream (one segment).</summary>
/// <param name="FrameProbabilities">Speech probability per 512-sample (32 ms at 16 kHz) frame; the last partial frame is zero-padded.</param>
/// <param name="SpeechProbMean">Mean of <paramref name="FrameProbabilities"/>; 0 when there are no frames.</param>
/// <param name="SpeechRatio">Fraction of frames whose probability exceeds the speech threshold; 0 when there are no frames.</param>
public sealed record VadResult(float[] FrameProbabilities, float SpeechProbMean, float SpeechRatio)
{
    /// <summary>Summarises frame probabilities against a speech threshold.</summary>
    /// <param name="frameProbabilities">Speech probability per frame; kept by the result, not copied.</param>
    /// <param name="speechThreshold">A frame counts as speech when its probability is strictly greater.</param>
    public static VadResult FromFrameProbabilities(float[] frameProbabilities, float speechThreshold)
    {
        ArgumentNullException.ThrowIfNull(frameProbabilities);
        if (frameProbabilities.Length == 0)
        {
            return new VadResult(frameProbabilities, 0f, 0f);
        }

        // Double accumulation keeps the mean of ~10^4 frames independent of summation order errors.
        double sum = 0;
        var speechFrames = 0;
        foreach (var p in frameProbabilities)
        {
            sum += p;
            if (p > speechThreshold)
            {
                speechFrames++;
            }
        }

        return new VadResult(
            frameProbabilities,
            (float)(sum / frameProbabilities.Length),
            (float)speechFrames / frameProbabilities.Length);
    }
}
