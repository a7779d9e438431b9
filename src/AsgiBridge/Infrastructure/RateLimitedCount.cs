namespace AsgiBridge.Infrastructure;

/// <summary>
/// Counts an event that may happen thousands of times a second (a refused connection, a failed accept) and reports
/// it at most once per interval with the number of events since the last report: the first event at once, and the
/// ones after it when the interval has passed (by a timer, so the count of a burst that stops is reported too).
/// </summary>
internal sealed class RateLimitedCount : IDisposable
{
    private readonly long _intervalMs;
    private readonly Action<long> _report;
    private readonly Timer _timer;
    private long _pending;
    private long _nextReport;
    private int _timerArmed;

    public RateLimitedCount(TimeSpan interval, Action<long> report)
    {
        _intervalMs = (long)interval.TotalMilliseconds;
        _report = report;
        _timer = new Timer(static state => ((RateLimitedCount)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>Counts one event; reports now if no report was made within the interval, else later.</summary>
    public void Add()
    {
        Interlocked.Increment(ref _pending);
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _nextReport);
        if (now >= next && Interlocked.CompareExchange(ref _nextReport, now + _intervalMs, next) == next)
        {
            Flush();
        }
        else if (Interlocked.Exchange(ref _timerArmed, 1) == 0)
        {
            _timer.Change(Math.Max(1, Volatile.Read(ref _nextReport) - now), Timeout.Infinite);
        }
    }

    private void OnTimer()
    {
        Volatile.Write(ref _timerArmed, 0);
        Volatile.Write(ref _nextReport, Environment.TickCount64 + _intervalMs);
        Flush();
    }

    private void Flush()
    {
        var count = Interlocked.Exchange(ref _pending, 0);
        if (count > 0)
        {
            _report(count);
        }
    }

    public void Dispose() => _timer.Dispose();
}
