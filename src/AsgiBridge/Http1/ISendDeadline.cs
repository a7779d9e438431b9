namespace AsgiBridge.Http1;

/// <summary>
/// The connection's send deadline (<c>Asgi:TimeoutSend</c>), for writers other than the HTTP response path (the
/// WebSocket stream): armed while a flush waits for the client to read, checked on the connection's heartbeat.
/// </summary>
internal interface ISendDeadline
{
    /// <summary>
    /// A flush of <paramref name="bytes"/> is waiting for the client: the connection is aborted if it still waits
    /// after the timeout, or past the time its bytes earn at the minimum response data rate.
    /// </summary>
    void Arm(long bytes);

    /// <summary>A flush of <paramref name="bytes"/> completed at once: they still count for the minimum data rate.</summary>
    void Count(long bytes);

    /// <summary>The flush completed.</summary>
    void Disarm();
}
