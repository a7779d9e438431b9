using AsgiBridge.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Hosting;

/// <summary>
/// <c>Asgi:LimitConnections</c>: counts the open connections of a host (WebSockets included) and refuses one more
/// past the limit. The accept loop (Transport/AsgiSocketListener) asks it for every accepted socket and closes a
/// refused one at once, so a flood costs one accept and one close each; refusals are logged at most every 10 seconds.
/// </summary>
internal sealed class ConnectionCeiling : IDisposable
{
    private volatile int _limit;
    private readonly ILogger _logger;
    private readonly Diagnostics.AsgiMetrics _metrics;
    private readonly RateLimitedCount _refused;
    private int _open;

    public ConnectionCeiling(int? configured, Diagnostics.AsgiMetrics metrics, ILogger logger, long? descriptorLimit, int descriptorsInUse)
    {
        _metrics = metrics;
        _logger = logger;
        _refused = new RateLimitedCount(TimeSpan.FromSeconds(10), count => Diagnostics.Log.ConnectionLimitReached(_logger, _limit, count));
        _limit = int.MaxValue;
        if (configured == AsgiServerOptions.LimitConnectionsFromDescriptorLimit)
        {
            if (descriptorLimit is { } soft)
            {
                _limit = DescriptorLimit.CeilingFor(soft, descriptorsInUse);
                Diagnostics.Log.ConnectionLimitDerived(logger, _limit, soft, descriptorsInUse);
            }
            else
            {
                Diagnostics.Log.ConnectionLimitUnknown(logger);
            }
        }
        else if (configured is { } limit)
        {
            _limit = limit;
        }
    }

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Counts a new connection in, or refuses it (false) when the limit is reached.</summary>
    public bool TryOpen()
    {
        var open = Interlocked.Increment(ref _open);
        if (open <= _limit)
        {
            Trim.Opened(open);
            return true;
        }

        Interlocked.Decrement(ref _open);
        _refused.Add();
        _metrics.RejectConnection("connection_limit");
        return false;
    }

    /// <summary>
    /// Lowers the limit for the rest of the process: the descriptor limit was reached with this many connections
    /// open, so that is what the process can really hold (the application's own files count too).
    /// </summary>
    public void Lower(int limit)
    {
        limit = Math.Max(1, limit);
        if (limit < _limit)
        {
            _limit = limit;
            Diagnostics.Log.ConnectionLimitLowered(_logger, limit);
        }
    }

    /// <summary>A counted connection ended.</summary>
    public void Close() => Trim.Closed(Interlocked.Decrement(ref _open));

    /// <summary>The collection after a burst of connections.</summary>
    public BurstTrim Trim { get; } = new();

    public void Dispose() => _refused.Dispose();
}
