using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Host.Logging;

/// <summary>
/// The host's console logging: Microsoft's console formatters and <c>Logging:Console</c> settings
/// (<c>FormatterName</c>, <c>FormatterOptions</c>, <c>LogToStandardErrorThreshold</c>, <c>MaxQueueLength</c>,
/// <c>QueueFullMode</c>, and filters under the <c>Console</c> alias), written in batches. Microsoft's provider wakes
/// its writer thread and makes one <c>write</c> call per record, which at an access-log line per request cost about
/// a fifth of the plaintext throughput (bench/RESULTS-accesslog.md); a batch costs one wake-up and one write, and
/// a line reaches the console at most <see cref="ConsoleBatch.BatchDelay"/> late (docs/observability.md).
/// </summary>
[ProviderAlias("Console")]
internal sealed class BatchedConsoleLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentDictionary<string, BatchedConsoleLogger> _loggers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConsoleFormatter> _formatters;
    private readonly IDisposable? _optionsReload;

    public BatchedConsoleLoggerProvider(IOptionsMonitor<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters)
        : this(options, formatters, Console.OpenStandardOutput(), Console.OpenStandardError())
    {
    }

    internal BatchedConsoleLoggerProvider(IOptionsMonitor<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters, Stream output, Stream error)
    {
        _formatters = formatters.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
        Output = new ConsoleBatch(output, "Console log (stdout)");
        Error = new ConsoleBatch(error, "Console log (stderr)");
        Apply(options.CurrentValue);
        _optionsReload = options.OnChange(Apply);
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>The formatter and the stderr threshold, swapped as one when the options change.</summary>
    internal sealed record FormatSettings(ConsoleFormatter Formatter, LogLevel ErrorThreshold);

    internal FormatSettings Settings { get; private set; } = null!;

    internal IExternalScopeProvider? ScopeProvider { get; private set; }

    internal ConsoleBatch Output { get; }

    internal ConsoleBatch Error { get; }

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (name, provider) => new BatchedConsoleLogger(name, provider), this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => ScopeProvider = scopeProvider;

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        _optionsReload?.Dispose();
        Output.Dispose();
        Error.Dispose();
    }

    private void Apply(ConsoleLoggerOptions options)
    {
        // An unknown name is refused at start-up (HostSettings); Microsoft's provider would fall back to simple.
        var name = options.FormatterName ?? ConsoleFormatterNames.Simple;
        var formatter = _formatters.TryGetValue(name, out var found) ? found : _formatters[ConsoleFormatterNames.Simple];
        Settings = new FormatSettings(formatter, options.LogToStandardErrorThreshold);
        foreach (var batch in (ConsoleBatch[])[Output, Error])
        {
            batch.MaxLines = Math.Max(2, options.MaxQueueLength);
            batch.FullMode = options.QueueFullMode;
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        // Environment.Exit (the second signal) and an ordinary end both pass here; the batches must reach the console.
        Output.Flush();
        Error.Flush();
    }
}
