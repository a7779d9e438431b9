using AsgiBridge.Cycle;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using AsgiBridge.Extensions;
using AsgiBridge.Http1;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// The ASGI scope of a request that ASP.NET Core has parsed (docs/aspnetcore.md). What the rest of the pipeline has
/// decided is kept: <c>scheme</c> and <c>client</c> are the request's after <c>UseForwardedHeaders</c>, <c>root_path</c>
/// is the request's path base plus the prefix the endpoint matched, and <c>path</c> includes <c>root_path</c> (ASGI
/// spec, "root_path"). Header names are lower-cased, each value of a repeated header is a field of its own, and the
/// HTTP/2 and HTTP/3 pseudo-headers are not headers (<c>:authority</c> is the <c>host</c> header, RFC 9113 §8.3.1).
/// </summary>
internal static class HttpContextScope
{
    // The declared extensions of a TLS connection, made once per connection (its handshake feature) and shared by its
    // requests' scopes, as on the HTTP/1.1 handler.
    private static readonly ConditionalWeakTable<ITlsHandshakeFeature, ScopeExtensions> s_tlsConnections = [];

    public static AsgiScope Build(HttpContext context, string type, string rootPathSetting, int matchedPrefixLength, IDictionary<string, object?> stateSource, TrailerSupport trailers)
    {
        var request = context.Request;
        var (rawPath, query) = Target(context);
        var pathBase = request.PathBase.Value ?? "";
        var path = PathDecoder.Decode(rawPath);
        if (pathBase.Length > 0 && !path.StartsWith(pathBase, StringComparison.OrdinalIgnoreCase))
        {
            // A path base the request target does not carry (X-Forwarded-Prefix through UseForwardedHeaders, a proxy
            // that stripped it): ASGI's path still includes root_path.
            rawPath = [.. Encoding.ASCII.GetBytes(request.PathBase.ToUriComponent()), .. rawPath];
            path = pathBase + path;
        }

        var requestPath = request.Path.Value ?? "";
        var matched = matchedPrefixLength <= requestPath.Length ? requestPath[..matchedPrefixLength] : requestPath;
        var secure = request.IsHttps;
        var scheme = type == "websocket" ? (secure ? "wss" : "ws") : request.Scheme;
        var scope = new AsgiScope(
            type,
            HttpVersionOf(request.Protocol),
            request.Method,
            scheme,
            path,
            rawPath,
            query,
            rootPathSetting + pathBase + matched,
            Endpoint(context.Connection.RemoteIpAddress, context.Connection.RemotePort),
            Endpoint(context.Connection.LocalIpAddress, context.Connection.LocalPort))
        {
            Headers = Headers(request),
        };
        // http: pathsend (and tls on a TLS connection); websocket: tls only (websocket.http.response is added by the caller).
        scope.Declared = Declared(context).ForRequest(earlyHint: false, trailers: trailers != TrailerSupport.None);
        if (type != "http")
        {
            scope.DeclaresPathSend = false;
        }

        scope.SetStateSource(stateSource);
        return scope;
    }

    /// <summary>The extensions an http scope of this request's connection declares: pathsend, and tls under TLS (ASGI TLS extension).</summary>
    private static ScopeExtensions Declared(HttpContext context) =>
        context.Features.Get<ITlsHandshakeFeature>() is { } handshake
            ? s_tlsConnections.GetValue(handshake, _ => ScopeExtensions.ForHttp(TlsExtension.From(context.Features)))
            : ScopeExtensions.Http;

    /// <summary>
    /// Whether the server under this request can send trailer fields and the client takes them: HTTP/2 and HTTP/3
    /// always (RFC 9113 §8.1); HTTP/1.1 when its TE field lists <c>trailers</c> (RFC 9110 §10.1.4) and the server
    /// offers <see cref="IHttpResponseTrailersFeature"/>; never HTTP/1.0.
    /// </summary>
    public static TrailerSupport TrailerSupportOf(HttpContext context)
    {
        if (!context.Response.SupportsTrailers())
        {
            return TrailerSupport.None;
        }

        var protocol = context.Request.Protocol;
        if (HttpProtocol.IsHttp2(protocol) || HttpProtocol.IsHttp3(protocol))
        {
            return TrailerSupport.AnyBody;
        }

        return HttpProtocol.IsHttp11(protocol) && AcceptsTrailers(context.Request.Headers.TE) ? TrailerSupport.ChunkedBody : TrailerSupport.None;
    }

    private static bool AcceptsTrailers(StringValues te)
    {
        foreach (var value in te)
        {
            foreach (var element in (value ?? "").Split(','))
            {
                if (element.Trim().Equals("trailers", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary><c>"1.0"</c>, <c>"1.1"</c>, <c>"2"</c> or <c>"3"</c> (ASGI's spelling of the protocol).</summary>
    public static string HttpVersionOf(string protocol) =>
        HttpProtocol.IsHttp11(protocol) ? "1.1"
        : HttpProtocol.IsHttp2(protocol) ? "2"
        : HttpProtocol.IsHttp3(protocol) ? "3"
        : HttpProtocol.IsHttp10(protocol) ? "1.0"
        : protocol.StartsWith("HTTP/", StringComparison.Ordinal) ? protocol[5..] : protocol;

    /// <summary>
    /// The path bytes and query bytes of the request target as received (<see cref="IHttpRequestFeature.RawTarget"/>),
    /// or, for a target that is not origin-form (<c>*</c>, absolute-form), rebuilt from the request's path and query.
    /// </summary>
    private static (byte[] RawPath, byte[] Query) Target(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(rawTarget) && rawTarget[0] == '/')
        {
            var question = rawTarget.IndexOf('?', StringComparison.Ordinal);
            if (question < 0)
            {
                return (Encoding.Latin1.GetBytes(rawTarget), []);
            }

            var hash = rawTarget.IndexOf('#', question + 1);
            var queryEnd = hash < 0 ? rawTarget.Length : hash;
            return (Encoding.Latin1.GetBytes(rawTarget, 0, question), queryEnd == question + 1 ? [] : Encoding.Latin1.GetBytes(rawTarget, question + 1, queryEnd - question - 1));
        }

        var request = context.Request;
        var rebuilt = (request.PathBase + request.Path).ToUriComponent();
        var query = request.QueryString.HasValue ? request.QueryString.Value![1..] : "";
        return (Encoding.UTF8.GetBytes(rebuilt.Length == 0 ? "/" : rebuilt), Encoding.UTF8.GetBytes(query));
    }

    private static AsgiHeader[] Headers(HttpRequest request)
    {
        // One pass over the dictionary (enumerating it through the interface boxes its enumerator), into an array of
        // one field per name: exact unless a name has several values or the host comes from the request's Host.
        var headers = request.Headers;
        var list = new AsgiHeader[headers.Count];
        var i = 0;
        var hasHost = false;
        foreach (var (name, values) in headers)
        {
            if (name.Length == 0 || name[0] == ':')
            {
                continue;
            }

            var lower = KnownHeaderNames.LowerCaseBytes(name);
            hasHost |= name.Equals("host", StringComparison.OrdinalIgnoreCase);
            foreach (var value in values)
            {
                if (i == list.Length)
                {
                    Array.Resize(ref list, Math.Max(4, list.Length * 2));
                }

                list[i++] = new AsgiHeader(lower, Encoding.Latin1.GetBytes(value ?? ""));
            }
        }

        if (!hasHost && request.Host.HasValue)
        {
            // HTTP/2 and HTTP/3 carry the authority as :authority, which ASP.NET Core shows as Host (RFC 9113 §8.3.1).
            if (i == list.Length)
            {
                Array.Resize(ref list, list.Length + 1);
            }

            list[i++] = new AsgiHeader(KnownHeaderNames.LowerCaseBytes("Host"), Encoding.Latin1.GetBytes(request.Host.Value!));
        }

        if (i != list.Length)
        {
            Array.Resize(ref list, i);
        }

        return list;
    }

    private static AsgiEndpoint? Endpoint(IPAddress? address, int port)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return new AsgiEndpoint(address.ToString(), port);
    }
}
