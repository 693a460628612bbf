using System.ComponentModel.DataAnnotations;

namespace OrleansIngest.Silo.Worker;

/// <summary>
/// Capacity a silo advertises (section <c>OrleansIngest:Worker:Capacity</c>). Unset values are detected:
/// cores from the processor count, GPUs from <c>nvidia-smi</c>.
/// </summary>
public sealed class WorkerCapacityOptions
{
    /// <summary>Cores to advertise; 0 detects them.</summary>
    [Range(0, 4096)]
    public int Cores { get; set; }

    /// <summary>GPUs to advertise; -1 detects them with <c>nvidia-smi</c>, 0 declares none.</summary>
    [Range(-1, 64)]
    public int GpuCount { get; set; } = -1;

    /// <summary>GPU memory in MiB (all GPUs together); -1 takes the detected value.</summary>
    [Range(-1, long.MaxValue)]
    public long GpuMemoryMiB { get; set; } = -1;

    /// <summary>Work weight; 0 derives it as 1 + <see cref="WeightPerGpu"/> × GPU count.</summary>
    [Range(0, 1024)]
    public double Weight { get; set; }

    /// <summary>Weight each GPU adds to a derived weight: one GPU makes a silo count as 1 + this many CPU silos.</summary>
    [Range(0, 1024)]
    public double WeightPerGpu { get; set; } = 3;
}
