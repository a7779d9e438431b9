namespace AsgiBridge;

/// <summary>
/// Thrown by <see cref="AsgiSend"/> when the client has gone away, so that an application streaming a response
/// stops instead of producing bytes nobody reads (ASGI spec 2.4: "send on a closed connection raises an
/// IOError subclass"). The server treats it as a normal end of the request and does not log it as an error.
/// </summary>
public sealed class ClientDisconnectedException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ClientDisconnectedException() : base("The client disconnected.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What happened.</param>
    public ClientDisconnectedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the transport failure behind it.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The transport failure.</param>
    public ClientDisconnectedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
