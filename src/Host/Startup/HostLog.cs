namespace AsgiBridge.Host.Startup;

/// <summary>The host's own log messages (category <c>AsgiBridge.Host</c>).</summary>
internal static partial class HostLog
{
    public const string Category = "AsgiBridge.Host";

    [LoggerMessage(1, LogLevel.Information, "Serving app '{App}' on {Address}")]
    public static partial void Serving(ILogger logger, string app, string address);
}
