namespace AsgiBridge.Hosting;

/// <summary>
/// Gives memory back after a burst of connections. The GC runs when the application allocates, so a host that
/// served 10,000 connections and then falls quiet keeps the heap they grew (about three times its idle size) for as
/// long as it stays quiet (docs/security.md#memory). When the open connections fall below an eighth of a peak of at
/// least <see cref="MinPeak"/>, one aggressive full collection (compacting, decommitting what it frees) runs on the
/// thread pool, at most once per <see cref="MinInterval"/>. Watching costs a comparison per connection.
/// </summary>
internal sealed class BurstTrim
{
    /// <summary>The smallest peak worth a collection: below it the heap the connections grew is small.</summary>
    public const int MinPeak = 1000;

    /// <summary>The least time between two collections.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(30);

    private int _peak;
    private long _lastTrim = long.MinValue / 2;

    /// <summary>How many collections have been made (for tests).</summary>
    public int Collections { get; private set; }

    /// <summary>A connection opened; <paramref name="open"/> is the count including it.</summary>
    public void Opened(int open)
    {
        if (open > _peak)
        {
            _peak = open;
        }
    }

    /// <summary>A connection closed; <paramref name="open"/> is the count without it.</summary>
    public void Closed(int open)
    {
        var peak = _peak;
        if (peak < MinPeak || open > peak / 8)
        {
            return;
        }

        _peak = open;
        var now = Environment.TickCount64;
        if (now - Volatile.Read(ref _lastTrim) < (long)MinInterval.TotalMilliseconds)
        {
            return;
        }

        Volatile.Write(ref _lastTrim, now);
        Collections++;
        ThreadPool.UnsafeQueueUserWorkItem(static _ => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true), null);
    }
}
