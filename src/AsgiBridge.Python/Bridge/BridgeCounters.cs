namespace AsgiBridge.Python.Bridge;

/// <summary>
/// The bridge's counted costs since the interpreter started (docs/python.md, "Counted costs"): counts rather than
/// timings, so a test can hold the hot path to them whatever else the machine is doing. Read from Python with
/// <c>asgibridge_loop.counters()</c>, together with the process's thread-pool work items and allocated bytes.
/// </summary>
internal sealed class BridgeCounters
{
    /// <summary>Scopes started (loop thread).</summary>
    public long Scopes;

    /// <summary>Times the loop woke up and drained the queue (loop thread).</summary>
    public long Wakeups;

    /// <summary>Bytes written to the wake pipe (any thread, interlocked).</summary>
    public long WakeWrites;

    /// <summary>Items queued for the loop: scope starts and completed receives and sends (any thread, interlocked).</summary>
    public long Posts;

    /// <summary>Times a socket on the loop stopped reading because the handler had not consumed its input (loop thread).</summary>
    public long SocketReadPauses;

    /// <summary>Times a send on a socket on the loop found the socket's buffer full and waited for the loop (any thread, interlocked).</summary>
    public long SocketWriteWaits;

    /// <summary>Batches of socket writes sent at the end of a loop iteration (loop thread).</summary>
    public long SendBatches;
}
