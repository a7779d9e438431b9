using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Diagnostics;

/// <summary>What every connection of one host shares for its telemetry: the access logger, the metrics and the lifespan state.</summary>
internal sealed class ServerDiagnostics
{
    private int _lifespanPhase;

    public ServerDiagnostics(AsgiServerOptions options, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
    {
        AccessLogger = options.AccessLog && loggerFactory is not null ? loggerFactory.CreateLogger(AccessLog.Category) : null;
        Metrics = meterFactory is null ? AsgiMetrics.Unscoped : new AsgiMetrics(meterFactory.Create(AsgiMetrics.MeterName), () => LifespanPhase);
    }

    /// <summary>The access log's logger; null when <c>Asgi:AccessLog</c> is off.</summary>
    public ILogger? AccessLogger { get; }

    public AsgiMetrics Metrics { get; }

    /// <summary>Whether an access line written now would go anywhere (the setting, then the category's level).</summary>
    public bool AccessLogEnabled => AccessLogger is { } logger && logger.IsEnabled(LogLevel.Information);

    public LifespanPhase LifespanPhase
    {
        get => (LifespanPhase)Volatile.Read(ref _lifespanPhase);
        set => Volatile.Write(ref _lifespanPhase, (int)value);
    }
}
