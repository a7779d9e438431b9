namespace AsgiBridge.Infrastructure;

/// <summary>
/// Counts an event that may happen thousands of times a second (a refused connection, a failed accept) and says
/// when to log it: at most once per interval, with the number of events since the last report.
/// </summary>
internal sealed class RateLimitedCount
{
    private readonly long _intervalMs;
    private long _pending;
    private long _nextReport;
    private long _total;

    public RateLimitedCount(TimeSpan interval) => _intervalMs = (long)interval.TotalMilliseconds;

    /// <summary>Total events counted so far.</summary>
    public long Total => Volatile.Read(ref _total);

    /// <summary>Counts one event; returns the number to report when a report is due, else null.</summary>
    public long? Add()
    {
        Interlocked.Increment(ref _pending);
        Interlocked.Increment(ref _total);

        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _nextReport);
        if (now < next || Interlocked.CompareExchange(ref _nextReport, now + _intervalMs, next) != next)
        {
            return null;
        }

        return Interlocked.Exchange(ref _pending, 0);
    }
}
