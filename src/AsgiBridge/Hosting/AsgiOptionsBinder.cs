using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace AsgiBridge.Hosting;

/// <summary>
/// Binds the <c>Asgi</c> section by hand rather than with ConfigurationBinder, for two reasons: a duration
/// written as a plain number means seconds (uvicorn's spelling; the default TimeSpan converter would read
/// <c>5</c> as five days), and a misspelt or malformed setting must stop the host with a message naming it.
/// </summary>
internal static class AsgiOptionsBinder
{
    public static void Bind(IConfigurationSection section, AsgiServerOptions options)
    {
        foreach (var child in section.GetChildren())
        {
            var value = child.Value;
            switch (child.Key.ToUpperInvariant())
            {
                case "MINREQUESTBODYDATARATE": options.MinRequestBodyDataRate = ParseRate(child); continue;
                case "MINRESPONSEDATARATE": options.MinResponseDataRate = ParseRate(child); continue;
                case "HEADERS": options.Headers = ParseList(child); continue;
            }

            if (value is null)
            {
                throw Invalid(child, "a value (not a section)");
            }

            switch (child.Key.ToUpperInvariant())
            {
                case "TIMEOUTKEEPALIVE": options.TimeoutKeepAlive = ParseDuration(child); break;
                case "TIMEOUTREQUESTHEADERS": options.TimeoutRequestHeaders = ParseDuration(child); break;
                case "TIMEOUTSEND": options.TimeoutSend = ParseDuration(child); break;
                case "MAXREQUESTLINESIZE": options.MaxRequestLineSize = ParseInt(child); break;
                case "MAXREQUESTHEADERSSIZE": options.MaxRequestHeadersSize = ParseInt(child); break;
                case "MAXREQUESTHEADERCOUNT": options.MaxRequestHeaderCount = ParseInt(child); break;
                case "MAXREQUESTBODYSIZE": options.MaxRequestBodySize = string.IsNullOrEmpty(value) || value.Equals("null", StringComparison.OrdinalIgnoreCase) ? null : ParseLong(child); break;
                case "SERVERHEADER": options.ServerHeader = ParseBool(child); break;
                case "DATEHEADER": options.DateHeader = ParseBool(child); break;
                case "ROOTPATH": options.RootPath = value; break;
                case "ACCESSLOG": options.AccessLog = ParseBool(child); break;
                case "LIFESPAN": options.Lifespan = ParseEnum<AsgiLifespanMode>(child, "auto, on or off"); break;
                case "TIMEOUTLIFESPAN": options.TimeoutLifespan = ParseDuration(child); break;
                case "LIMITCONCURRENCY": options.LimitConcurrency = IsNull(value) ? null : ParseInt(child); break;
                case "LIMITCONNECTIONS": options.LimitConnections = IsNull(value) ? null : value.Equals("auto", StringComparison.OrdinalIgnoreCase) ? AsgiServerOptions.LimitConnectionsFromDescriptorLimit : ParseInt(child); break;
                case "LIMITMAXREQUESTS": options.LimitMaxRequests = IsNull(value) ? null : ParseInt(child); break;
                case "BACKLOG": options.Backlog = IsNull(value) ? null : ParseInt(child); break;
                case "LIMITMAXREQUESTSJITTER": options.LimitMaxRequestsJitter = ParseInt(child); break;
                case "WSMAXSIZE": options.WsMaxSize = ParseInt(child); break;
                case "WSPINGINTERVAL": options.WsPingInterval = ParseDuration(child); break;
                case "WSPINGTIMEOUT": options.WsPingTimeout = ParseDuration(child); break;
                case "WSPERMESSAGEDEFLATE": options.WsPerMessageDeflate = ParseBool(child); break;
                case "PROXYHEADERS": options.ProxyHeaders = ParseBool(child); break;
                case "FORWARDEDALLOWIPS": options.ForwardedAllowIps = value; break;
                case "FORWARDEDHOST": options.ForwardedHost = ParseBool(child); break;
                case "FORWARDEDPREFIX": options.ForwardedPrefix = ParseBool(child); break;
                case "PROXYPROTOCOL": options.ProxyProtocol = ParseEnum<AsgiProxyProtocol>(child, "off, v1, v2 or auto"); break;
                case "PROTOCOLS": options.Protocols = ParseEnum<HttpProtocols>(child, ProtocolDispatch.Values); break;
                default:
                    throw new InvalidOperationException($"Unknown setting '{child.Path}'. Known settings are listed in docs/configuration.md.");
            }
        }
    }

    /// <summary>
    /// A minimum data rate: bytes per second with the default 5-second grace period (<c>240</c>), <c>null</c> for
    /// none, or a section with <c>BytesPerSecond</c> and <c>GracePeriod</c> (Kestrel's names).
    /// </summary>
    private static MinDataRate? ParseRate(IConfigurationSection setting)
    {
        double bytesPerSecond;
        var grace = TimeSpan.FromSeconds(5);
        if (setting.Value is { } value)
        {
            if (IsNull(value))
            {
                return null;
            }

            bytesPerSecond = ParseRateNumber(setting);
        }
        else
        {
            bytesPerSecond = -1;
            foreach (var part in setting.GetChildren())
            {
                switch (part.Key.ToUpperInvariant())
                {
                    case "BYTESPERSECOND": bytesPerSecond = part.Value is null ? throw Invalid(part, "a number of bytes per second") : ParseRateNumber(part); break;
                    case "GRACEPERIOD": grace = part.Value is null ? throw Invalid(part, "a duration") : ParseDuration(part); break;
                    default: throw new InvalidOperationException($"Unknown setting '{part.Path}': a data rate has BytesPerSecond and GracePeriod.");
                }
            }

            if (bytesPerSecond < 0)
            {
                throw new InvalidOperationException($"Invalid setting '{setting.Path}': BytesPerSecond is missing.");
            }
        }

        // Kestrel's rule, enforced by MinDataRate itself: the grace period must exceed the 1-second heartbeat.
        if (grace <= TimeSpan.FromSeconds(1))
        {
            throw new InvalidOperationException($"Invalid setting '{setting.Path}': the grace period must be longer than 1 second (got {grace.TotalSeconds} s).");
        }

        return new MinDataRate(bytesPerSecond, grace);
    }

    private static double ParseRateNumber(IConfigurationSection setting) =>
        double.TryParse(setting.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) && number > 0
            ? number
            : throw Invalid(setting, "a positive number of bytes per second, or null");

    /// <summary>
    /// A list: the section's items in order (<c>Asgi:Headers:0</c>, <c>Asgi:Headers:1</c>, ...), or one value as a
    /// list of one (an empty value: none). The entries are checked by the validator.
    /// </summary>
    private static List<string> ParseList(IConfigurationSection setting)
    {
        var items = setting.GetChildren().ToList();
        if (items.Count == 0)
        {
            return string.IsNullOrEmpty(setting.Value) ? [] : [setting.Value];
        }

        var list = new List<string>(items.Count);
        foreach (var item in items)
        {
            list.Add(item.Value ?? throw Invalid(item, "a value (not a section)"));
        }

        return list;
    }

    private static bool IsNull(string value) => value.Length == 0 || value.Equals("null", StringComparison.OrdinalIgnoreCase);

    /// <summary>Seconds (<c>5</c>, <c>0.5</c>) or a TimeSpan (<c>00:00:05</c>).</summary>
    private static TimeSpan ParseDuration(IConfigurationSection setting)
    {
        var value = setting.Value!.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (value.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span))
        {
            return span;
        }

        throw Invalid(setting, "a duration in seconds (5, 0.5) or hh:mm:ss");
    }

    /// <summary>An enum member by name, case-insensitively; numbers are not names.</summary>
    private static T ParseEnum<T>(IConfigurationSection setting, string expected)
        where T : struct, Enum =>
        Enum.TryParse<T>(setting.Value, ignoreCase: true, out var member) && !int.TryParse(setting.Value, out _) && Enum.IsDefined(member)
            ? member
            : throw Invalid(setting, expected);

    private static int ParseInt(IConfigurationSection setting) =>
        int.TryParse(setting.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : throw Invalid(setting, "an integer");

    private static long ParseLong(IConfigurationSection setting) =>
        long.TryParse(setting.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : throw Invalid(setting, "an integer or null");

    private static bool ParseBool(IConfigurationSection setting) =>
        bool.TryParse(setting.Value, out var flag) ? flag : throw Invalid(setting, "true or false");

    private static InvalidOperationException Invalid(IConfigurationSection setting, string expected) =>
        new($"Invalid setting '{setting.Path}' = '{setting.Value}': expected {expected}.");
}
