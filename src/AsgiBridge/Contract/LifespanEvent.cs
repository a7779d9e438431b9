namespace AsgiBridge;

/// <summary>
/// A lifespan event. Received: <c>lifespan.startup</c>, <c>lifespan.shutdown</c>. Sent:
/// <c>lifespan.startup.complete</c> / <c>.failed</c>, <c>lifespan.shutdown.complete</c> / <c>.failed</c>
/// (the failed ones with a <c>message</c>).
/// </summary>
public sealed class LifespanEvent : AsgiEvent
{
    private static readonly string[] s_keys = ["type", "message"];
    private readonly string _type;

    private LifespanEvent(string type, string? message)
    {
        _type = type;
        Message = message;
    }

    /// <summary><c>lifespan.startup</c> (created by the server).</summary>
    /// <returns>The event.</returns>
    public static LifespanEvent Startup() => new("lifespan.startup", null);

    /// <summary><c>lifespan.shutdown</c> (created by the server).</summary>
    /// <returns>The event.</returns>
    public static LifespanEvent Shutdown() => new("lifespan.shutdown", null);

    /// <summary><c>lifespan.startup.complete</c>.</summary>
    /// <returns>The event.</returns>
    public static LifespanEvent StartupComplete() => new("lifespan.startup.complete", null);

    /// <summary><c>lifespan.startup.failed</c>: the host will not start and exits with this message logged.</summary>
    /// <param name="message">Why startup failed.</param>
    /// <returns>The event.</returns>
    public static LifespanEvent StartupFailed(string message) => new("lifespan.startup.failed", message);

    /// <summary><c>lifespan.shutdown.complete</c>.</summary>
    /// <returns>The event.</returns>
    public static LifespanEvent ShutdownComplete() => new("lifespan.shutdown.complete", null);

    /// <summary><c>lifespan.shutdown.failed</c>.</summary>
    /// <param name="message">Why shutdown failed.</param>
    /// <returns>The event.</returns>
    public static LifespanEvent ShutdownFailed(string message) => new("lifespan.shutdown.failed", message);

    /// <inheritdoc />
    public override string Type => _type;

    /// <summary><c>message</c>: the failure message of a <c>.failed</c> event; null otherwise.</summary>
    public string? Message { get; set; }

    private protected override string[] KnownKeys => s_keys;

    private protected override bool TryGetField(string key, out object? value)
    {
        if (key == "message" && Message is not null)
        {
            value = Message;
            return true;
        }

        value = null;
        return false;
    }

    private protected override bool TrySetField(string key, object? value)
    {
        if (key == "message")
        {
            Message = AsgiValues.ToNullableString(value, Type, key);
            return true;
        }

        return false;
    }
}
