using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Tests.Infrastructure;

/// <summary>Captures log entries so tests can assert what the server logged, including a structured event's named values.</summary>
public sealed class TestLogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> Fields)> _entries = new();
    private TestLogSink? _target;

    public IReadOnlyCollection<(LogLevel Level, string Category, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> Fields)> Entries => (_target ?? this)._entries;

    internal void Forward(TestLogSink target) => _target = target;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TestLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    fields[key] = value;
                }
            }

            sink._entries.Enqueue((logLevel, category, formatter(state, exception), exception, fields));
        }
    }
}
