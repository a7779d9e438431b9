using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Hosting;

/// <summary>
/// What every connection of one host shares: the lifespan state (copied into each scope), the counters behind
/// <c>LimitConcurrency</c> and <c>LimitMaxRequests</c>, and the count of PROXY protocol rejections.
/// </summary>
internal sealed class AsgiServerState : IDisposable
{
    private readonly int? _limitConcurrency;
    private readonly long _limitMaxRequests;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILogger? _logger;
    private readonly bool _counting;
    private int _inFlight;
    private long _started;

    public AsgiServerState(IOptions<AsgiServerOptions> options, IHostApplicationLifetime? lifetime = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        var value = options.Value;
        Telemetry = new Diagnostics.ServerDiagnostics(value, loggerFactory, meterFactory);
        _limitConcurrency = value.LimitConcurrency;
        _limitMaxRequests = value.LimitMaxRequests is { } max
            ? max + (value.LimitMaxRequestsJitter > 0 ? Random.Shared.Next(value.LimitMaxRequestsJitter + 1) : 0)
            : long.MaxValue;
        // Without limits nothing reads the counters: admission is then free (three interlocked operations per
        // request less on the hot path).
        _counting = value.LimitConcurrency is not null || value.LimitMaxRequests is not null;
        _lifetime = lifetime;
        _logger = loggerFactory?.CreateLogger("AsgiBridge.Limits");
        Connections = new ConnectionCeiling(value.LimitConnections, Telemetry.Metrics, _logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, DescriptorLimit.ReadSoftLimit(), DescriptorLimit.CountOpen() ?? 0);
    }

    /// <summary><c>Asgi:LimitConnections</c>: the open connections of this host.</summary>
    public ConnectionCeiling Connections { get; }

    public void Dispose() => Connections.Dispose();

    /// <summary>The access log, metrics and lifespan state every connection reports to (docs/observability.md).</summary>
    public Diagnostics.ServerDiagnostics Telemetry { get; }

    private Dictionary<string, object?>? _stateSnapshot;

    /// <summary>The dictionary the lifespan scope fills during startup.</summary>
    public Dictionary<string, object?> LifespanState { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// What each request and WebSocket scope's <c>state</c> is copied from: a snapshot taken when startup completed,
    /// so later changes by a still-running lifespan task cannot race the copies.
    /// </summary>
    public IDictionary<string, object?> StateSource => Volatile.Read(ref _stateSnapshot) ?? LifespanState;

    /// <summary>Takes the snapshot <see cref="StateSource"/> serves; called once lifespan startup completed.</summary>
    public void FreezeLifespanState() =>
        Volatile.Write(ref _stateSnapshot, new Dictionary<string, object?>(LifespanState, StringComparer.Ordinal));

    /// <summary>Whether admission counts anything (a limit is configured); without, it always admits.</summary>
    public bool Counting => _counting;

    /// <summary>
    /// Admits a request or WebSocket session, or refuses it (503): the concurrency limit is reached, or the request
    /// limit has been used up and the host is shutting down (uvicorn's --limit-max-requests).
    /// </summary>
    public Admission TryEnter()
    {
        if (!_counting)
        {
            return Admission.Admitted;
        }

        var number = Interlocked.Increment(ref _started);
        if (number > _limitMaxRequests)
        {
            return Admission.Refused;
        }

        if (Interlocked.Increment(ref _inFlight) > (_limitConcurrency ?? int.MaxValue))
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Decrement(ref _started);
            return Admission.Refused;
        }

        if (number == _limitMaxRequests)
        {
            Diagnostics.Log.MaxRequestsReached(_logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, number);
            _lifetime?.StopApplication();
            return Admission.Last;
        }

        return Admission.Admitted;
    }

    /// <summary>Ends an admitted request or session.</summary>
    public void Exit()
    {
        if (_counting)
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}

/// <summary>The answer of <see cref="AsgiServerState.TryEnter"/>.</summary>
internal enum Admission : byte
{
    /// <summary>Serve it.</summary>
    Admitted,

    /// <summary>Serve it, and close the connection after it: it is the last request before shutdown.</summary>
    Last,

    /// <summary>Answer 503 and close.</summary>
    Refused,
}
