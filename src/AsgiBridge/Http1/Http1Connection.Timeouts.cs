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
        if (_timerStopped)
        {
            return;
        }

        var now = Environment.TickCount64;
        if (DeadlinePassed())
        {
            _input.CancelPendingRead();
        }
        else if (_bodyRate is { } bodyRate && bodyRate.IsTooSlow(now))
        {
            if (_upgraded)
            {
                // A WebSocket message trickling in below the rate: there is no status to answer, so the
                // connection ends (the application's receive returns websocket.disconnect).
                bodyRate.Reset();
                Diagnostics.Log.WebSocketMessageTooSlow(_logger, _context.ConnectionId, _settings.MinRequestBodyDataRate!.BytesPerSecond);
                _context.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("A WebSocket message arrived below Asgi:MinRequestBodyDataRate."));
            }
            else
            {
                _bodyTooSlow = true;
                _input.CancelPendingRead();
            }
        }

        if (now >= Volatile.Read(ref _writeDeadline))
        {
            // The client stopped reading: abort, which completes the pending flush (the app's send then raises).
            Volatile.Write(ref _writeDeadline, long.MaxValue);
            Diagnostics.Log.SendTimedOut(_logger, _context.ConnectionId, _settings.SendTimeoutMs / 1000.0);
            _context.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("The client did not read the response within Asgi:TimeoutSend."));
        }
        else if (_sendRate is { } sendRate && sendRate.Missed(now))
        {
            sendRate.Disarm();
            Diagnostics.Log.SendTooSlow(_logger, _context.ConnectionId, _settings.MinResponseDataRate!.BytesPerSecond);
            _context.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("The client read the response below Asgi:MinResponseDataRate."));
        }
    }

    /// <summary>When a flush that is waiting for the client to read must have completed; MaxValue when none waits.</summary>
    private long _writeDeadline = long.MaxValue;

    /// <summary>Asgi:MinRequestBodyDataRate for the body being read (null when off).</summary>
    private readonly Rates.ReadRateMeter? _bodyRate;

    /// <summary>Asgi:MinResponseDataRate for everything the connection sends (null when off).</summary>
    private readonly Rates.WriteRateMeter? _sendRate;

    /// <summary>Set by the heartbeat when the body being read fell below the minimum rate; the canceled read then answers 408.</summary>
    private volatile bool _bodyTooSlow;

    /// <summary>Set when the connection became a WebSocket: <see cref="_bodyRate"/> then measures its messages.</summary>
    private volatile bool _upgraded;

    void ISendDeadline.Arm(long bytes)
    {
        _sendRate?.Arm(bytes);
        Volatile.Write(ref _writeDeadline, Environment.TickCount64 + _settings.SendTimeoutMs);
    }

    void ISendDeadline.Disarm()
    {
        Volatile.Write(ref _writeDeadline, long.MaxValue);
        _sendRate?.Disarm();
    }

    void ISendDeadline.Count(long bytes) => _sendRate?.Count(bytes);

    /// <summary>Flushes the output (parked response bytes included); a flush that has to wait for the client runs under the send deadline.</summary>
    private ValueTask<System.IO.Pipelines.FlushResult> FlushOutputAsync()
    {
        CommitParkedOutput();
        var bytes = _sendRate is not null && _output.CanGetUnflushedBytes ? _output.UnflushedBytes : 0;
        return SendDeadline.Guard(this, _output.FlushAsync(), bytes);
    }

    private void SetDeadline(long timeoutMs) =>
        Volatile.Write(ref _deadline, timeoutMs <= 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs);

    private void ClearDeadline() => Volatile.Write(ref _deadline, long.MaxValue);

    private bool DeadlinePassed() => Environment.TickCount64 >= Volatile.Read(ref _deadline);
}
