using AsgiBridge.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Hosting;

/// <summary>
/// <c>Asgi:LimitConnections</c>: counts the open connections of a host (WebSockets included) and refuses one more
/// past the limit. A refused connection is closed before anything is read from it, so a flood costs one accept and
/// one close each; refusals are logged at most every 10 seconds.
/// </summary>
internal sealed class ConnectionCeiling
{
    private readonly int _limit;
    private readonly ILogger _logger;
    private readonly RateLimitedCount _refused = new(TimeSpan.FromSeconds(10));
    private int _open;

    public ConnectionCeiling(int? configured, ILogger logger, long? descriptorLimit, int descriptorsInUse)
    {
        _logger = logger;
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

    /// <summary>The limit in force; null when connections are not limited.</summary>
    public int? Limit => _limit == int.MaxValue ? null : _limit;

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections refused since the host started.</summary>
    public long Refused => _refused.Total;

    /// <summary>Counts a new connection in, or refuses it (false) when the limit is reached.</summary>
    public bool TryOpen()
    {
        if (Interlocked.Increment(ref _open) <= _limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _open);
        if (_refused.Add() is { } count)
        {
            Diagnostics.Log.ConnectionLimitReached(_logger, _limit, count);
        }

        return false;
    }

    /// <summary>A counted connection ended.</summary>
    public void Close() => Interlocked.Decrement(ref _open);

    /// <summary>
    /// <paramref name="next"/> behind the ceiling: a connection past the limit is not handed on, and returning closes
    /// it before anything is read. Applied outermost, so a PROXY protocol header or a TLS handshake is never read
    /// for a refused connection either.
    /// </summary>
    public Microsoft.AspNetCore.Connections.ConnectionDelegate Guard(Microsoft.AspNetCore.Connections.ConnectionDelegate next) =>
        connection => TryOpen() ? ServeAsync(connection, next) : Task.CompletedTask;

    private async Task ServeAsync(Microsoft.AspNetCore.Connections.ConnectionContext connection, Microsoft.AspNetCore.Connections.ConnectionDelegate next)
    {
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Close();
        }
    }
}
