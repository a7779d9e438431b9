using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace AsgiBridge.Host.Startup;

/// <summary>
/// Checks the generic host's settings the host relies on. <c>HostOptions</c> skips a <c>shutdownTimeoutSeconds</c>
/// it cannot read as whole seconds and keeps 30 s without a word; here that stops the start like any bad setting.
/// </summary>
internal static class HostSettings
{
    public const string ShutdownTimeoutKey = "shutdownTimeoutSeconds";

    public static bool TryCheck(IConfiguration configuration, [NotNullWhen(false)] out string? error)
    {
        var value = configuration[ShutdownTimeoutKey];
        if (value is not null && !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            error = $"Invalid setting '{ShutdownTimeoutKey}' = '{value}': expected whole seconds (0 or more).";
            return false;
        }

        error = null;
        return true;
    }
}
