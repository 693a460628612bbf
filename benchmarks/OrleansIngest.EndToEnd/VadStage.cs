using OrleansIngest.Processing.Inference;

namespace OrleansIngest.EndToEnd;

/// <summary>
/// Silero VAD measured exactly as the ONNX Runtime Node peer is (benchmarks/e2e/peers/vad-onnxruntime-node.mjs):
/// B consecutive pieces of the audio as B streams, each model run advancing every stream by one 32 ms chunk; and
/// through <see cref="VadBatcher"/>, the pipeline's continuous batching, with 32 segments in flight. The pipeline's
/// model computes the STFT on the host (<see cref="SileroVadModel.FrontEnd"/>); the whole graph is measured too, as
/// the like-for-like comparison with the peer.
/// </summary>
internal static class VadStage
{
    public static IEnumerable<StageResult> Run(SileroVadModel model, float[] audio, IReadOnlyList<int> batches, double minSeconds, string stage = "vad")
    {
        foreach (var batch in batches)
        {
            var chunks = audio.Length / SileroVad.ChunkSamples;
            var perStream = chunks / batch;
            var input = new float[batch * SileroVad.InputSamples];
            var state = new float[batch * SileroVad.StateSizePerStream];
            var next = new float[state.Length];
            var probabilities = new float[batch];
            var speech = 0;
            void RunOnce()
            {
                Array.Clear(state);
                for (var step = 0; step < perStream; step++)
                {
                    for (var b = 0; b < batch; b++)
                    {
                        var start = ((b * perStream) + step) * SileroVad.ChunkSamples;
                        var row = input.AsSpan(b * SileroVad.InputSamples, SileroVad.InputSamples);
                        if (step == 0)
                        {
                            row[..SileroVad.ContextSamples].Clear();
                        }
                        else
                        {
                            audio.AsSpan(start - SileroVad.ContextSamples, SileroVad.ContextSamples).CopyTo(row);
                        }

                        audio.AsSpan(start, SileroVad.ChunkSamples).CopyTo(row[SileroVad.ContextSamples..]);
                    }

                    model.Run(input, state, next, probabilities, batch);
                    (state, next) = (next, state);
                    for (var b = 0; b < batch; b++)
                    {
                        speech += probabilities[b] > 0.5f ? 1 : 0;
                    }
                }
            }

            var seconds = StageTimer.BestSeconds(RunOnce, minSeconds);
            var audioSeconds = perStream * batch * SileroVad.ChunkSamples / (double)SileroVad.SampleRate;
            var how = model.FrontEnd == "fft" ? "STFT by host FFT, rest of the graph on ONNX Runtime" : "whole graph on ONNX Runtime";
            yield return StageResult.RealTime($"{stage}.batch{batch}", $"Silero VAD, direct model runs ({how})", audioSeconds, seconds);
        }
    }

    public static async Task<StageResult> RunBatcherAsync(SileroVadModel model, float[] audio, int streams, int maxBatch, double minSeconds)
    {
        var segment = audio.Length / streams;
        await using var batcher = new VadBatcher(model, new VadBatcherSettings(MaxBatch: maxBatch));
        var seconds = await StageTimer.BestSecondsAsync(
            () => Task.WhenAll(Enumerable.Range(0, streams).Select(i => batcher.AnalyzeAsync(audio.AsMemory(i * segment, segment)))),
            minSeconds);
        return StageResult.RealTime($"vad.pipeline{streams}", $"Silero VAD, pipeline batcher ({streams} segments in flight)", streams * segment / (double)SileroVad.SampleRate, seconds);
    }
}
