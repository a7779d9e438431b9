namespace AsgiBridge.Host.Apps;

/// <summary>
/// The smallest correct lifespan handler, for apps with nothing to set up: answer startup and shutdown. (An app
/// that returned instead would be served too, but logged once as not supporting lifespan.)
/// </summary>
public static class LifespanNoop
{
    /// <summary>Answers lifespan.startup and lifespan.shutdown until the host stops.</summary>
    /// <param name="receive">The lifespan scope's receive.</param>
    /// <param name="send">The lifespan scope's send.</param>
    /// <returns>A task that completes after shutdown.</returns>
    public static async ValueTask RunAsync(AsgiReceive receive, AsgiSend send)
    {
        ArgumentNullException.ThrowIfNull(receive);
        ArgumentNullException.ThrowIfNull(send);
        while (true)
        {
            switch ((await receive().ConfigureAwait(false))["type"])
            {
                case "lifespan.startup":
                    await send(LifespanEvent.StartupComplete()).ConfigureAwait(false);
                    break;
                case "lifespan.shutdown":
                    await send(LifespanEvent.ShutdownComplete()).ConfigureAwait(false);
                    return;
            }
        }
    }
}
