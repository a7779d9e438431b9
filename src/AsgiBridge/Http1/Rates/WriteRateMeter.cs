namespace AsgiBridge.Http1.Rates;

/// <summary>
/// The minimum rate at which a client must read what is sent to it, with Kestrel's semantics (docs/security.md):
/// every byte handed to the transport earns time at the rate; a flush that has to wait for the client must complete
/// by the later of "now plus the grace period (or the time its own bytes earn, if longer)" and "the previous deadline
/// plus the time its bytes earn", so fast earlier writes do not count against a later one and small writes do not
/// each get a fresh grace period. Checked on the heartbeat only while a flush waits.
/// </summary>
internal sealed class WriteRateMeter
{
    /// <summary>The heartbeat's period: a flush may start just before a tick.</summary>
    private const long HeartbeatMs = 1000;

    private readonly double _bytesPerSecond;
    private readonly long _graceMs;
    private long _uncounted;
    private long _lastDeadline;
    private long _deadline = long.MaxValue;

    public WriteRateMeter(double bytesPerSecond, TimeSpan gracePeriod)
    {
        _bytesPerSecond = bytesPerSecond;
        _graceMs = (long)gracePeriod.TotalMilliseconds;
    }

    /// <summary>Bytes written by a flush that completed at once: they earn time for the next flush that waits.</summary>
    public void Count(long bytes) => _uncounted += bytes;

    /// <summary>A flush of <paramref name="bytes"/> waits for the client: sets the deadline it must meet.</summary>
    public void Arm(long bytes)
    {
        var now = Environment.TickCount64;
        var earnedMs = (long)((_uncounted + bytes) * 1000 / _bytesPerSecond);
        _uncounted = 0;
        var single = now + HeartbeatMs + Math.Max(_graceMs, earnedMs);
        var accumulated = _lastDeadline + earnedMs;
        _lastDeadline = Math.Max(single, accumulated);
        Volatile.Write(ref _deadline, _lastDeadline);
    }

    /// <summary>The waiting flush completed.</summary>
    public void Disarm() => Volatile.Write(ref _deadline, long.MaxValue);

    /// <summary>Whether a waiting flush has missed its deadline.</summary>
    public bool Missed(long now) => now > Volatile.Read(ref _deadline);
}
