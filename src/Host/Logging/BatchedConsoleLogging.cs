using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;

namespace AsgiBridge.Host.Logging;

/// <summary>Puts <see cref="BatchedConsoleLoggerProvider"/> in the place of Microsoft's console logger provider.</summary>
internal static class BatchedConsoleLogging
{
    public static ILoggingBuilder AddBatchedConsole(this ILoggingBuilder logging)
    {
        // AddConsole registers the formatters (simple, json, systemd), their options and the Logging:Console
        // binding; only its provider is replaced.
        logging.AddConsole();
        for (var i = logging.Services.Count - 1; i >= 0; i--)
        {
            if (logging.Services[i].ServiceType == typeof(ILoggerProvider) && logging.Services[i].ImplementationType == typeof(ConsoleLoggerProvider))
            {
                logging.Services.RemoveAt(i);
            }
        }

        logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, BatchedConsoleLoggerProvider>());
        return logging;
    }
}
