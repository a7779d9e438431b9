using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Hosting;

/// <summary>
/// What every connection of one host shares: the counters behind <c>LimitConcurrency</c> and <c>LimitMaxRequests</c>,
/// the connection ceiling and the telemetry; and the lifespan state (copied into each scope) of the application
/// served. A host serving several application instances has one view per instance (<see cref="ForApp"/>).
/// </summary>
internal sealed class AsgiServerState : IDisposable
{
    private readonly Admissions _admissions;
    private readonly AsgiServerOptions _options;
    private readonly ILogger? _logger;
    private readonly AsgiServerState? _host;
    private ConnectionCeiling? _connections;

    public AsgiServerState(IOptions<AsgiServerOptions> options, IHostApplicationLifetime? lifetime = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        _options = options.Value;
        Telemetry = new Diagnostics.ServerDiagnostics(_options, loggerFactory, meterFactory);
        _logger = loggerFactory?.CreateLogger("AsgiBridge.Limits");
        _admissions = new Admissions(_options, lifetime, _logger);
        Lifespan = new Lifespan.LifespanState();
    }

    /// <summary>A view for one more application instance: everything shared but the lifespan state.</summary>
    private AsgiServerState(AsgiServerState host, Lifespan.LifespanState lifespan)
    {
        _options = host._options;
        _logger = host._logger;
        Telemetry = host.Telemetry;
        _admissions = host._admissions;
        _host = host;
        Lifespan = lifespan;
    }

    /// <summary>
    /// The state as one application instance sees it: the host's limits, counters and telemetry, with that
    /// instance's own lifespan state (each application instance runs its own lifespan).
    /// </summary>
    public AsgiServerState ForApp(Lifespan.LifespanState lifespan) => ReferenceEquals(lifespan, Lifespan) ? this : new AsgiServerState(this, lifespan);

    /// <summary>
    /// <c>Asgi:LimitConnections</c>: the open connections of this host, made when AsgiBridge's socket transport first
    /// asks (a host that only maps ASGI endpoints into ASP.NET Core never derives or logs a limit it does not use).
    /// </summary>
    public ConnectionCeiling Connections => _host?.Connections ?? LazyInitializer.EnsureInitialized(ref _connections, () => new ConnectionCeiling(
        _options.LimitConnections, Telemetry.Metrics, _logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, DescriptorLimit.ReadSoftLimit(), DescriptorLimit.CountOpen() ?? 0));

    public void Dispose()
    {
        if (_host is null)
        {
            _connections?.Dispose();
        }
    }

    /// <summary>The access log, metrics and lifespan state every connection reports to (docs/observability.md).</summary>
    public Diagnostics.ServerDiagnostics Telemetry { get; }

    /// <summary>The lifespan state of the application this view serves.</summary>
    public Lifespan.LifespanState Lifespan { get; }

    /// <summary>The dictionary the lifespan scope fills during startup.</summary>
    public Dictionary<string, object?> LifespanState => Lifespan.Values;

    /// <summary>What each request and WebSocket scope's <c>state</c> is copied from (see <see cref="Lifespan.LifespanState.Source"/>).</summary>
    public IDictionary<string, object?> StateSource => Lifespan.Source;

    /// <summary>Takes the snapshot <see cref="StateSource"/> serves; called once lifespan startup completed.</summary>
    public void FreezeLifespanState() => Lifespan.Freeze();

    /// <summary>Whether admission counts anything (a limit is configured); without, it always admits.</summary>
    public bool Counting => _admissions.Counting;

    /// <summary>
    /// Admits a request or WebSocket session, or refuses it (503): the concurrency limit is reached, or the request
    /// limit has been used up and the host is shutting down (uvicorn's --limit-max-requests).
    /// </summary>
    public Admission TryEnter() => _admissions.TryEnter();

    /// <summary>Ends an admitted request or session.</summary>
    public void Exit() => _admissions.Exit();

    /// <summary>The counters behind <c>LimitConcurrency</c> and <c>LimitMaxRequests</c>, shared by every view of a host.</summary>
    private sealed class Admissions
    {
        private readonly int? _limitConcurrency;
        private readonly long _limitMaxRequests;
        private readonly IHostApplicationLifetime? _lifetime;
        private readonly ILogger? _logger;
        private int _inFlight;
        private long _started;

        public Admissions(AsgiServerOptions value, IHostApplicationLifetime? lifetime, ILogger? logger)
        {
            _limitConcurrency = value.LimitConcurrency;
            _limitMaxRequests = value.LimitMaxRequests is { } max
                ? max + (value.LimitMaxRequestsJitter > 0 ? Random.Shared.Next(value.LimitMaxRequestsJitter + 1) : 0)
                : long.MaxValue;
            // Without limits nothing reads the counters: admission is then free (three interlocked operations per
            // request less on the hot path).
            Counting = value.LimitConcurrency is not null || value.LimitMaxRequests is not null;
            _lifetime = lifetime;
            _logger = logger;
        }

        public bool Counting { get; }

        public Admission TryEnter()
        {
            if (!Counting)
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

        public void Exit()
        {
            if (Counting)
            {
                Interlocked.Decrement(ref _inFlight);
            }
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
