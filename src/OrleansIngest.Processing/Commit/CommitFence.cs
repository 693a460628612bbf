namespace OrleansIngest.Processing.Commit;

/// <summary>
/// Checks, just before a file's log entry is written, that its writer still holds the leases of all the file's
/// units, and holds them for the commit. The committer calls it after its own checks, so a retried commit whose
/// entry already landed is recognised without it.
/// </summary>
public delegate Task<LeaseFence> CommitFence(CancellationToken cancellationToken);

/// <summary>Result of a <see cref="CommitFence"/>.</summary>
/// <param name="LostUnits">Units whose lease the writer no longer holds; the file is rejected when there are any.</param>
/// <param name="HeldUntil">On the committer's clock: until when the held leases cannot be taken over.</param>
public sealed record LeaseFence(IReadOnlyList<string> LostUnits, DateTimeOffset HeldUntil);
