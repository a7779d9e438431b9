namespace AsgiBridge.Host.Logging;

/// <summary>
/// Keeps ASP.NET Core's own per-request lines ("Request starting ...", "Request finished ...", category
/// <c>Microsoft.AspNetCore.Hosting.Diagnostics</c>, Information) out of the host's log: the requests that reach the
/// ASP.NET Core pipeline (HTTP/2, HTTP/3) already get AsgiBridge's access line, so they would be logged twice, and two
/// more formatted lines per request cost throughput. A level set for the category or one of its parents
/// (<c>Microsoft.AspNetCore.Hosting</c>, <c>Microsoft.AspNetCore</c>, <c>Microsoft</c>), or <c>--log-level debug</c> /
/// <c>trace</c>, is kept as given.
/// </summary>
internal static class PipelineRequestLogs
{
    private const string Category = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static void QuietByDefault(ILoggingBuilder logging, IConfiguration configuration)
    {
        foreach (var category in (ReadOnlySpan<string>)[Category, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore", "Microsoft"])
        {
            if (configuration[$"Logging:LogLevel:{category}"] is not null || configuration[$"Logging:Console:LogLevel:{category}"] is not null)
            {
                return;
            }
        }

        if (Enum.TryParse<LogLevel>(configuration["Logging:LogLevel:Default"], ignoreCase: true, out var level) && level <= LogLevel.Debug)
        {
            return;
        }

        logging.AddFilter(Category, LogLevel.Warning);
    }
}
