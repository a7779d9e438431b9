using AsgiBridge.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Http1;

/// <summary>
/// The connection's deadlines: one read deadline (keep-alive, request headers, body stalls), the send deadline
/// (<c>Asgi:TimeoutSend</c>) and the minimum data rates, all checked on Kestrel's once-a-second connection heartbeat
/// (docs/http1.md, "Timeouts"). A passed read deadline or a body below its rate cancels the pending read; a send that
/// waits too long aborts the connection.
/// </summary>
internal sealed class ConnectionTimer : ISendDeadline, IDisposable
{
    private readonly ConnectionContext _context;
    private readonly System.IO.Pipelines.PipeReader _input;
    private readonly ConnectionSettings _settings;
    private readonly ILogger _logger;
    private long _deadline = long.MaxValue;
    private Timer? _fallbackTimer;
    private bool _stopped;

    /// <summary>When a flush that is waiting for the client to read must have completed; MaxValue when none waits.</summary>
    private long _writeDeadline = long.MaxValue;

    /// <summary>Set by the heartbeat when the body being read fell below the minimum rate; the canceled read then answers 408.</summary>
    private volatile bool _bodyTooSlow;

    /// <summary>Set when the connection became a WebSocket: <see cref="BodyRate"/> then measures its messages.</summary>
    private volatile bool _upgraded;

    public ConnectionTimer(ConnectionContext context, ConnectionSettings settings, ILogger logger)
    {
        _context = context;
        _input = context.Transport.Input;
        _settings = settings;
        _logger = logger;
        if (settings.MinRequestBodyDataRate is { } bodyRate)
        {
            BodyRate = new Rates.ReadRateMeter(bodyRate.BytesPerSecond, bodyRate.GracePeriod);
        }

        if (settings.MinResponseDataRate is { } sendRate)
        {
            SendRate = new Rates.WriteRateMeter(sendRate.BytesPerSecond, sendRate.GracePeriod);
        }
    }

    /// <summary>Asgi:MinRequestBodyDataRate for the body being read (null when off).</summary>
    public Rates.ReadRateMeter? BodyRate { get; }

    /// <summary>Asgi:MinResponseDataRate for everything the connection sends (null when off).</summary>
    public Rates.WriteRateMeter? SendRate { get; }

    /// <summary>Whether the body being read fell below <c>Asgi:MinRequestBodyDataRate</c>.</summary>
    public bool BodyTooSlow => _bodyTooSlow;

    /// <summary>
    /// Kestrel ticks every connection's heartbeat once a second; we check the one deadline there (O(1), as the
    /// callback runs under Kestrel's lock) and wake the pending read when it has passed.
    /// </summary>
    public void Start()
    {
        if (_context.Features.Get<IConnectionHeartbeatFeature>() is { } heartbeat)
        {
            heartbeat.OnHeartbeat(static state => ((ConnectionTimer)state).OnTick(), this);
        }
        else
        {
            _fallbackTimer = new Timer(static state => ((ConnectionTimer)state!).OnTick(), this, 1000, 1000);
        }
    }

    public void Stop()
    {
        _stopped = true;
        _fallbackTimer?.Dispose();
    }

    /// <summary>After the upgrade the body meter measures WebSocket messages (the heartbeat then aborts instead of answering 408).</summary>
    public void MarkUpgraded() => _upgraded = true;

    public void SetDeadline(long timeoutMs) =>
        Volatile.Write(ref _deadline, timeoutMs <= 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs);

    public void ClearDeadline() => Volatile.Write(ref _deadline, long.MaxValue);

    public bool DeadlinePassed() => Environment.TickCount64 >= Volatile.Read(ref _deadline);

    private void OnTick()
    {
        if (_stopped)
        {
            return;
        }

        var now = Environment.TickCount64;
        if (DeadlinePassed())
        {
            _input.CancelPendingRead();
        }
        else if (BodyRate is { } bodyRate && bodyRate.IsTooSlow(now))
        {
            if (_upgraded)
            {
                // A WebSocket message trickling in below the rate: there is no status to answer, so the
                // connection ends (the application's receive returns websocket.disconnect).
                bodyRate.Reset();
                Log.WebSocketMessageTooSlow(_logger, _context.ConnectionId, _settings.MinRequestBodyDataRate!.BytesPerSecond);
                _context.Abort(new ConnectionAbortedException("A WebSocket message arrived below Asgi:MinRequestBodyDataRate."));
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
            Log.SendTimedOut(_logger, _context.ConnectionId, _settings.SendTimeoutMs / 1000.0);
            _context.Abort(new ConnectionAbortedException("The client did not read the response within Asgi:TimeoutSend."));
        }
        else if (SendRate is { } sendRate && sendRate.Missed(now))
        {
            sendRate.Disarm();
            Log.SendTooSlow(_logger, _context.ConnectionId, _settings.MinResponseDataRate!.BytesPerSecond);
            _context.Abort(new ConnectionAbortedException("The client read the response below Asgi:MinResponseDataRate."));
        }
    }

    void ISendDeadline.Arm(long bytes)
    {
        SendRate?.Arm(bytes);
        Volatile.Write(ref _writeDeadline, Environment.TickCount64 + _settings.SendTimeoutMs);
    }

    void ISendDeadline.Disarm()
    {
        Volatile.Write(ref _writeDeadline, long.MaxValue);
        SendRate?.Disarm();
    }

    void ISendDeadline.Count(long bytes) => SendRate?.Count(bytes);

    public void Dispose() => Stop();
}
