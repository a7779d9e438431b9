using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace AsgiBridge.Host.Logging;

/// <summary>
/// A console logger for one category: formats each record with the configured <see cref="ConsoleFormatter"/>
/// (simple, json, systemd: the same text Microsoft's console logger writes) on the logging thread and hands the
/// text to the stream's <see cref="ConsoleBatch"/>.
/// </summary>
internal sealed class BatchedConsoleLogger(string category, BatchedConsoleLoggerProvider provider) : ILogger
{
    [ThreadStatic]
    private static StringWriter? t_writer;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => provider.ScopeProvider?.Push(state) ?? NullScope.Instance;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var writer = t_writer ??= new StringWriter();
        var entry = new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter);
        var settings = provider.Settings;
        settings.Formatter.Write(in entry, provider.ScopeProvider, writer);
        var text = writer.GetStringBuilder();
        if (text.Length == 0)
        {
            return;
        }

        (logLevel >= settings.ErrorThreshold ? provider.Error : provider.Output).Add(text);
        text.Clear();
        if (text.Capacity > 1024)
        {
            text.Capacity = 1024;
        }
    }

    private sealed class NullScope : IDisposable
    {
        public static readonly NullScope Instance = new();

        public void Dispose()
        {
        }
    }
}
