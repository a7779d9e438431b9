namespace AsgiBridge.Http1;

/// <summary>
/// The connection's send deadline (<c>Asgi:TimeoutSend</c>), for writers other than the HTTP response path (the
/// WebSocket stream): armed while a flush waits for the client to read, checked on the connection's heartbeat.
/// </summary>
internal interface ISendDeadline
{
    /// <summary>A flush is waiting for the client: the connection is aborted if it still waits after the timeout.</summary>
    void Arm();

    /// <summary>The flush completed.</summary>
    void Disarm();
}
