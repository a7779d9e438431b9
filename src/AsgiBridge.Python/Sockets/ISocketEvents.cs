namespace AsgiBridge.Python.Sockets;

/// <summary>What a <see cref="SocketWatch"/> tells its socket; called on the loop thread, GIL held.</summary>
internal interface ISocketEvents
{
    /// <summary>The socket has data, an end of stream or an error to read.</summary>
    void OnReadable();

    /// <summary>The socket takes writes again.</summary>
    void OnWritable();
}
