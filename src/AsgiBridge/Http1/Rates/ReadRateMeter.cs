namespace AsgiBridge.Http1.Rates;

/// <summary>
/// The minimum rate at which a request body (or a WebSocket message) must arrive, with Kestrel's semantics
/// (docs/security.md): time counts only while the application waits for data it asked for, never while it is busy
/// with what it already has; past the grace period the bytes received so far divided by that time must reach the
/// rate. The connection's thread starts and stops the waits; the heartbeat asks <see cref="IsTooSlow"/> once a second.
/// </summary>
internal sealed class ReadRateMeter
{
    private readonly double _bytesPerSecond;
    private readonly long _graceMs;
    private long _waitedMs;
    private long _waitStart;
    private long _bytes;

    public ReadRateMeter(double bytesPerSecond, TimeSpan gracePeriod)
    {
        _bytesPerSecond = bytesPerSecond;
        _graceMs = (long)gracePeriod.TotalMilliseconds;
    }

    /// <summary>Starts measuring a new body or message.</summary>
    public void Reset()
    {
        Volatile.Write(ref _waitStart, 0);
        _waitedMs = 0;
        Volatile.Write(ref _bytes, 0);
    }

    /// <summary>The application is waiting for data: time counts from now.</summary>
    public void StartWait() => Volatile.Write(ref _waitStart, Environment.TickCount64);

    /// <summary>The wait ended (data arrived, or the wait was given up).</summary>
    public void StopWait()
    {
        var start = Volatile.Read(ref _waitStart);
        if (start != 0)
        {
            _waitedMs += Environment.TickCount64 - start;
            Volatile.Write(ref _waitStart, 0);
        }
    }

    /// <summary>Counts received bytes.</summary>
    public void Add(long bytes) => Volatile.Write(ref _bytes, _bytes + bytes);

    /// <summary>
    /// Whether a wait under way has run past the grace period below the rate. Only a wait under way is judged:
    /// a connection is cut while it keeps the application waiting, not afterwards.
    /// </summary>
    public bool IsTooSlow(long now)
    {
        var start = Volatile.Read(ref _waitStart);
        if (start == 0)
        {
            return false;
        }

        var waited = _waitedMs + (now - start);
        return waited > _graceMs && Volatile.Read(ref _bytes) < _bytesPerSecond * waited / 1000.0;
    }
}
