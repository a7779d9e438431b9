using System.Diagnostics.Metrics;

namespace AsgiBridge.Diagnostics;

/// <summary>
/// The instruments of the meter <c>AsgiBridge</c>: the OpenTelemetry HTTP server metrics (semantic conventions,
/// "HTTP metrics": <c>http.server.request.duration</c>, <c>http.server.active_requests</c>) and AsgiBridge's own
/// connection, WebSocket, rejection and lifespan figures. A host's meter comes from its <see cref="IMeterFactory"/>,
/// so two hosts in one process keep their measurements apart. Callers check an instrument's <c>Enabled</c> before
/// they measure: with no listener nothing is computed. docs/observability.md lists every instrument and tag.
/// </summary>
internal sealed class AsgiMetrics
{
    public const string MeterName = "AsgiBridge";

    /// <summary>
    /// The bucket boundaries ASP.NET Core advises for <c>http.server.request.duration</c> (5 ms to 10 s), the
    /// conventions' recommendation; an exporter's own view still wins.
    /// </summary>
    private static readonly double[] s_durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private static readonly string[] s_lifespanStates = ["starting", "started", "stopping", "stopped", "failed"];

    private static readonly Lazy<AsgiMetrics> s_unscoped = new(() => new AsgiMetrics(new Meter(MeterName), lifespan: null));

    public AsgiMetrics(Meter meter, Func<LifespanPhase>? lifespan)
    {
        RequestDuration = meter.CreateHistogram(
            "http.server.request.duration",
            unit: "s",
            description: "Duration of HTTP server requests.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_durationBuckets });
        ActiveRequests = meter.CreateUpDownCounter<long>("http.server.active_requests", "{request}", "Number of active HTTP server requests.");
        OpenConnections = meter.CreateUpDownCounter<long>("asgibridge.connections.open", "{connection}", "Number of connections the ASGI handler is serving.");
        ActiveWebSockets = meter.CreateUpDownCounter<long>("asgibridge.websocket.sessions.active", "{session}", "Number of accepted WebSocket sessions still open.");
        ClosedWebSockets = meter.CreateCounter<long>("asgibridge.websocket.sessions.closed", "{session}", "Number of accepted WebSocket sessions that ended, by close code.");
        RejectedConnections = meter.CreateCounter<long>("asgibridge.connections.rejected", "{connection}", "Number of connections closed before any request was read from them, by reason (error.type: connection_limit, proxy_protocol).");
        RejectedRequests = meter.CreateCounter<long>("asgibridge.requests.rejected", "{request}", "Number of requests refused before or while they reached the application, by reason.");
        if (lifespan is not null)
        {
            meter.CreateObservableGauge("asgibridge.lifespan.state", () => ObserveLifespan(lifespan()), "{state}", "The application's lifespan state: 1 for the current state, 0 for the others.");
        }
    }

    /// <summary>Metrics for a connection handler made outside a host's services (no <see cref="IMeterFactory"/>): one process-wide meter.</summary>
    public static AsgiMetrics Unscoped => s_unscoped.Value;

    public Histogram<double> RequestDuration { get; }

    public UpDownCounter<long> ActiveRequests { get; }

    public UpDownCounter<long> OpenConnections { get; }

    public UpDownCounter<long> ActiveWebSockets { get; }

    public Counter<long> ClosedWebSockets { get; }

    public Counter<long> RejectedRequests { get; }

    public Counter<long> RejectedConnections { get; }

    /// <summary>Counts a connection refused before any request was read from it; <paramref name="reason"/> is its <c>error.type</c>.</summary>
    public void RejectConnection(string reason)
    {
        if (RejectedConnections.Enabled)
        {
            RejectedConnections.Add(1, new KeyValuePair<string, object?>("error.type", reason));
        }
    }

    /// <summary>Tag of <c>asgibridge.websocket.sessions.closed</c>: the close code the session ended with.</summary>
    public const string CloseCodeTag = "asgibridge.websocket.close_code";

    /// <summary>Tag of <c>asgibridge.lifespan.state</c>.</summary>
    public const string LifespanStateTag = "asgibridge.lifespan.state";

    /// <summary>One measurement per state (a state set): 1 for the current one, so a dashboard can plot or alert on each.</summary>
    private static Measurement<int>[] ObserveLifespan(LifespanPhase phase)
    {
        if (phase == LifespanPhase.None)
        {
            return [];
        }

        var measurements = new Measurement<int>[s_lifespanStates.Length];
        for (var i = 0; i < s_lifespanStates.Length; i++)
        {
            var current = (int)phase - 1 == i ? 1 : 0;
            measurements[i] = new Measurement<int>(current, new KeyValuePair<string, object?>(LifespanStateTag, s_lifespanStates[i]));
        }

        return measurements;
    }
}
