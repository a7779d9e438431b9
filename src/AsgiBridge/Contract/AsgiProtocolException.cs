namespace AsgiBridge;

/// <summary>
/// Thrown to the application when it misuses the contract: an unknown or malformed event, an event sent out of
/// order, or a response header that would corrupt the response. The message names the event type and the key.
/// </summary>
public sealed class AsgiProtocolException : InvalidOperationException
{
    /// <summary>Creates the exception with a message naming the event and key at fault.</summary>
    /// <param name="message">What was wrong.</param>
    public AsgiProtocolException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What was wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public AsgiProtocolException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public AsgiProtocolException() : base("The ASGI contract was violated.")
    {
    }
}
