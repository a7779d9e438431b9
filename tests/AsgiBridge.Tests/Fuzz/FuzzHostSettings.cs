using System.Globalization;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>
/// The settings of the host under fuzzing, the same for the test's in-process host and the long runs of
/// bench/fuzz.sh: short timeouts, so a case that waits for one ends in a few seconds, and small limits, so a
/// mutation of a seed near a limit crosses it (414, 431, 413).
/// </summary>
internal static class FuzzHostSettings
{
    public const int TimeoutKeepAliveSeconds = 1;
    public const int TimeoutRequestHeadersSeconds = 2;
    public const int WsPingSeconds = 1;
    public const int MaxRequestLineSize = 512;
    public const int MaxRequestHeadersSize = 2048;
    public const int MaxRequestHeaderCount = 20;
    public const int MaxRequestBodySize = 4096;

    /// <summary>Lingering close waits at most this long for a client that keeps sending (docs/http1.md).</summary>
    private const int LingerSeconds = 2;

    /// <summary>Deadlines are checked on Kestrel's once-a-second heartbeat, so a timeout may fire this much late.</summary>
    private const int HeartbeatSeconds = 1;

    /// <summary>Time for a loaded machine (two cores running the host, the fuzzer and the test runner).</summary>
    private const int SlackSeconds = 5;

    /// <summary>The <c>Asgi</c> configuration section as command-line arguments (docs/configuration.md).</summary>
    public static string[] Arguments =>
    [
        Setting("TimeoutKeepAlive", TimeoutKeepAliveSeconds),
        Setting("TimeoutRequestHeaders", TimeoutRequestHeadersSeconds),
        Setting("WsPingInterval", WsPingSeconds),
        Setting("WsPingTimeout", WsPingSeconds),
        Setting("MaxRequestLineSize", MaxRequestLineSize),
        Setting("MaxRequestHeadersSize", MaxRequestHeadersSize),
        Setting("MaxRequestHeaderCount", MaxRequestHeaderCount),
        Setting("MaxRequestBodySize", MaxRequestBodySize),
    ];

    /// <summary>
    /// The longest a case may take before its connection counts as hung. Every wait of the server ends by the
    /// longest timer (the header timeout, the body stall, which uses the same value, or a WebSocket ping and its
    /// timeout), checked on the heartbeat, then a lingering close.
    /// </summary>
    public static TimeSpan CaseBound { get; } = TimeSpan.FromSeconds(
        Math.Max(TimeoutRequestHeadersSeconds, Math.Max(TimeoutKeepAliveSeconds, 2 * WsPingSeconds)) + HeartbeatSeconds + LingerSeconds + SlackSeconds);

    private static string Setting(string name, int value) => $"--Asgi:{name}={value.ToString(CultureInfo.InvariantCulture)}";
}
