using Microsoft.AspNetCore.Connections.Features;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    private long _deadline = long.MaxValue;
    private Timer? _fallbackTimer;
    private bool _timerStopped;

    /// <summary>
    /// Kestrel ticks every connection's heartbeat once a second; we check the one deadline there (O(1), as the
    /// callback runs under Kestrel's lock) and wake the pending read when it has passed.
    /// </summary>
    private void StartTimer()
    {
        if (_context.Features.Get<IConnectionHeartbeatFeature>() is { } heartbeat)
        {
            heartbeat.OnHeartbeat(static state => ((Http1Connection)state).OnTick(), this);
        }
        else
        {
            _fallbackTimer = new Timer(static state => ((Http1Connection)state!).OnTick(), this, 1000, 1000);
        }
    }

    private void StopTimer()
    {
        _timerStopped = true;
        _fallbackTimer?.Dispose();
    }

    private void OnTick()
    {
        if (!_timerStopped && DeadlinePassed())
        {
            _input.CancelPendingRead();
        }
    }

    private void SetDeadline(long timeoutMs) =>
        Volatile.Write(ref _deadline, timeoutMs <= 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs);

    private void ClearDeadline() => Volatile.Write(ref _deadline, long.MaxValue);

    private bool DeadlinePassed() => Environment.TickCount64 >= Volatile.Read(ref _deadline);
}
