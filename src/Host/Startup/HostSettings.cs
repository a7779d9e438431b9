using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AsgiBridge.Host.Startup;

/// <summary>
/// Checks the generic host's and the console logger's settings the host relies on. <c>HostOptions</c> skips a
/// <c>shutdownTimeoutSeconds</c> it cannot read as whole seconds and keeps 30 s without a word, and the console
/// logger falls back to its simple format for a formatter name it does not know; here each stops the start like
/// any bad setting (one line, exit code 3).
/// </summary>
internal static class HostSettings
{
    public const string ShutdownTimeoutKey = "shutdownTimeoutSeconds";

    private const string ConsolePrefix = "Logging:Console:";

    private static readonly string[] s_formatters = ["simple", "json", "systemd"];
    private static readonly string[] s_fullModes = ["Wait", "DropWrite"];

    /// <summary><c>Python:Sockets</c>: who reads and writes the sockets of a Python app's connections (docs/python.md).</summary>
    public const string PythonSocketsKey = "Python:Sockets";

    private static readonly string[] s_pythonSockets = ["EventLoop", "Kestrel"];

    /// <summary><c>Python:Embed</c>: whether python3 runs the host (<c>Process</c>) or the host loads libpython (docs/python.md, "Embedding").</summary>
    public const string PythonEmbedKey = "Python:Embed";

    private static readonly string[] s_pythonEmbeds = ["Process", "Library"];

    /// <summary>True unless <c>Python:Embed</c> is <c>Library</c> (checked by <see cref="TryCheck"/> before).</summary>
    public static bool PythonEmbedsProcess(IConfiguration configuration) =>
        !string.Equals(configuration[PythonEmbedKey], "Library", StringComparison.OrdinalIgnoreCase);

    /// <summary>True unless <c>Python:Sockets</c> is <c>Kestrel</c> (checked by <see cref="TryCheck"/> before).</summary>
    public static bool PythonSocketsOnLoop(IConfiguration configuration) =>
        !string.Equals(configuration[PythonSocketsKey], "Kestrel", StringComparison.OrdinalIgnoreCase);

    public static bool TryCheck(IConfiguration configuration, [NotNullWhen(false)] out string? error)
    {
        var value = configuration[ShutdownTimeoutKey];
        if (value is not null && !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            error = $"Invalid setting '{ShutdownTimeoutKey}' = '{value}': expected whole seconds (0 or more).";
            return false;
        }

        return TryCheckOneOf(configuration, PythonSocketsKey, s_pythonSockets, out error)
            && TryCheckOneOf(configuration, PythonEmbedKey, s_pythonEmbeds, out error)
            && TryCheckOneOf(configuration, ConsolePrefix + "FormatterName", s_formatters, out error)
            && TryCheckOneOf(configuration, ConsolePrefix + "QueueFullMode", s_fullModes, out error)
            && TryCheckOneOf(configuration, ConsolePrefix + "LogToStandardErrorThreshold", Enum.GetNames<LogLevel>(), out error)
            && TryCheckQueueLength(configuration, out error);
    }

    private static bool TryCheckOneOf(IConfiguration configuration, string key, string[] allowed, [NotNullWhen(false)] out string? error)
    {
        var value = configuration[key];
        if (value is not null && !allowed.Contains(value, StringComparer.OrdinalIgnoreCase))
        {
            error = $"Invalid setting '{key}' = '{value}': expected one of {string.Join(", ", allowed)}.";
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryCheckQueueLength(IConfiguration configuration, [NotNullWhen(false)] out string? error)
    {
        const string key = ConsolePrefix + "MaxQueueLength";
        var value = configuration[key];
        if (value is not null && (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 1))
        {
            error = $"Invalid setting '{key}' = '{value}': expected a whole number of log messages, 1 or more.";
            return false;
        }

        error = null;
        return true;
    }
}
