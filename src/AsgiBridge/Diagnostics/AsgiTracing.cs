using System.Diagnostics;
using System.Text;

namespace AsgiBridge.Diagnostics;

/// <summary>
/// The activity source <c>AsgiBridge</c>: one server span per request, following the OpenTelemetry semantic
/// conventions for HTTP server spans. A span is made only when a listener wants this source
/// (<see cref="ActivitySource.HasListeners"/>); it continues the W3C <c>traceparent</c> / <c>tracestate</c> (and
/// <c>baggage</c>) of the request through <see cref="DistributedContextPropagator.Current"/>.
/// </summary>
internal static class AsgiTracing
{
    public const string SourceName = "AsgiBridge";

    public static ActivitySource Source { get; } = new(SourceName, typeof(AsgiTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the request's server span (it becomes <see cref="Activity.Current"/> while the application runs); null when no listener samples it.</summary>
    public static Activity? StartServerSpan(AsgiScope scope, string method, string scheme)
    {
        var propagator = DistributedContextPropagator.Current;
        propagator.ExtractTraceIdAndState(scope, s_getHeader, out var traceParent, out var traceState);
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var parent);

        // The attributes the conventions want at creation, so samplers can use them.
        var tags = new List<KeyValuePair<string, object?>>(10)
        {
            new(HttpConventions.HttpRequestMethod, method),
            new(HttpConventions.UrlScheme, scheme),
            new(HttpConventions.UrlPath, Encoding.Latin1.GetString(scope.RawPath.Span)),
        };
        if (!scope.QueryString.IsEmpty)
        {
            tags.Add(new(HttpConventions.UrlQuery, Encoding.Latin1.GetString(scope.QueryString.Span)));
        }

        AddServer(tags, scope, scheme);
        if (scope.Client is { } client)
        {
            tags.Add(new(HttpConventions.ClientAddress, client.Host));
            if (client.Port is { } port)
            {
                tags.Add(new(HttpConventions.ClientPort, port));
            }
        }

        var activity = Source.StartActivity(ActivityKind.Server, parent, tags, name: HttpConventions.SpanName(method));
        if (activity is null)
        {
            return null;
        }

        if (activity.IsAllDataRequested)
        {
            if (ReferenceEquals(method, HttpConventions.OtherMethod))
            {
                activity.SetTag(HttpConventions.HttpRequestMethodOriginal, scope.Method);
            }

            activity.SetTag(HttpConventions.NetworkProtocolVersion, scope.HttpVersion);
            if (scope.GetHeader("user-agent"u8) is { } userAgent)
            {
                activity.SetTag(HttpConventions.UserAgentOriginal, Encoding.Latin1.GetString(userAgent.Span));
            }
        }

        foreach (var item in propagator.ExtractBaggage(scope, s_getHeader) ?? [])
        {
            activity.AddBaggage(item.Key, item.Value);
        }

        return activity;
    }

    /// <summary>Ends the span: status code, <c>error.type</c>, status Error for a 5xx or a request that failed without one.</summary>
    public static void StopServerSpan(Activity activity, int status, string? errorType, Exception? exception)
    {
        if (activity.IsAllDataRequested)
        {
            if (status > 0)
            {
                activity.SetTag(HttpConventions.HttpResponseStatusCode, HttpConventions.BoxedStatus(status));
            }

            if (errorType is not null)
            {
                activity.SetTag(HttpConventions.ErrorType, errorType);
            }

            if (exception is not null)
            {
                activity.AddException(exception);
            }
        }

        // Server spans: 4xx is the client's error, not the server's (the conventions' span status rules).
        if (status >= 500 || (status == 0 && errorType is not null))
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }

        activity.Stop();
    }

    /// <summary><c>server.address</c> and <c>server.port</c> from the Host header, the port defaulting by scheme.</summary>
    private static void AddServer(List<KeyValuePair<string, object?>> tags, AsgiScope scope, string scheme)
    {
        if (scope.GetHeader("host"u8) is not { } hostHeader || hostHeader.IsEmpty)
        {
            return;
        }

        var host = Encoding.Latin1.GetString(hostHeader.Span);
        string address;
        string? portText;
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            address = close > 0 ? host[1..close] : host;
            portText = close > 0 && close + 1 < host.Length && host[close + 1] == ':' ? host[(close + 2)..] : null;
        }
        else
        {
            var colon = host.LastIndexOf(':');
            address = colon >= 0 ? host[..colon] : host;
            portText = colon >= 0 ? host[(colon + 1)..] : null;
        }

        tags.Add(new(HttpConventions.ServerAddress, address));
        var port = int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : scheme == "https" ? 443 : 80;
        tags.Add(new(HttpConventions.ServerPort, port));
    }

    private static readonly DistributedContextPropagator.PropagatorGetterCallback s_getHeader = GetHeader;

    /// <summary>The propagator's view of the request headers (the carrier is the scope).</summary>
    private static void GetHeader(object? carrier, string fieldName, out string? fieldValue, out IEnumerable<string>? fieldValues)
    {
        fieldValues = null;
        fieldValue = null;
        if (carrier is not AsgiScope scope || fieldName.Length is 0 or > 64)
        {
            return;
        }

        Span<byte> name = stackalloc byte[fieldName.Length];
        if (Encoding.ASCII.GetBytes(fieldName, name) != name.Length)
        {
            return;
        }

        System.Text.Ascii.ToLowerInPlace(name, out _);
        if (scope.GetHeader(name) is { } value)
        {
            fieldValue = Encoding.Latin1.GetString(value.Span);
        }
    }
}
