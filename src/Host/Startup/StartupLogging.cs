namespace AsgiBridge.Host.Startup;

/// <summary>
/// Keeps a failed start-up to the one line the host prints itself. The generic host logs every start-up failure
/// as an Error with the whole exception (category <c>Microsoft.Extensions.Hosting.Internal.Host</c>, "Hosting
/// failed to start") before it rethrows; that category is raised to Critical, which leaves out only that record
/// here (its other records are Debug, and a background service's failure, which this host has none of). Set a
/// level for the category, or run with <c>--log-level debug</c> or <c>trace</c>, to see the record with its stack.
/// </summary>
internal static class StartupLogging
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    public static void HideHostStartupFaults(ILoggingBuilder logging, IConfiguration configuration)
    {
        if (configuration[$"Logging:LogLevel:{HostCategory}"] is not null
            || (Enum.TryParse<LogLevel>(configuration["Logging:LogLevel:Default"], ignoreCase: true, out var level) && level <= LogLevel.Debug))
        {
            return;
        }

        logging.AddFilter(HostCategory, LogLevel.Critical);
    }
}
