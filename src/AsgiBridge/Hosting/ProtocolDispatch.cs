using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace AsgiBridge.Hosting;

/// <summary>
/// Which stack serves a connection of an AsgiBridge endpoint (<see cref="AsgiServerOptions.Protocols"/>): HTTP/1.1
/// goes to AsgiBridge's handler, HTTP/2 to Kestrel's own HTTP stack, which Kestrel appends behind every endpoint's
/// middleware and which runs the ASP.NET Core request pipeline. The decision for TLS is the protocol ALPN agreed
/// on (RFC 7301; <c>h2</c> per RFC 9113 §3.2); a connection without ALPN is HTTP/1.1. It is made once per
/// connection, after the TLS handshake, and costs nothing when only one stack is configured. HTTP/3 runs over QUIC
/// connections Kestrel accepts on its own (no connection middleware sees them): its requests reach the request
/// pipeline, so the HttpContext backend, like HTTP/2's.
/// </summary>
internal static class ProtocolDispatch
{
    /// <summary>The values <c>Asgi:Protocols</c> accepts, for messages.</summary>
    public const string Values = "Http1, Http1AndHttp2, Http2, Http1AndHttp2AndHttp3 or Http3";

    /// <summary>Whether <paramref name="protocols"/> is one of <see cref="Values"/>.</summary>
    public static bool IsKnown(HttpProtocols protocols) =>
        protocols is HttpProtocols.Http1 or HttpProtocols.Http2 or HttpProtocols.Http1AndHttp2 or HttpProtocols.Http1AndHttp2AndHttp3 or HttpProtocols.Http3;

    /// <summary>Whether this host can listen on QUIC (HTTP/3): libmsquic present, on an OS .NET supports QUIC on.</summary>
    public static bool QuicSupported =>
        (OperatingSystem.IsLinux() || OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()) && System.Net.Quic.QuicListener.IsSupported;

    /// <summary>The connection delegate for <paramref name="protocols"/>, given both stacks (TCP connections only).</summary>
    public static ConnectionDelegate Create(HttpProtocols protocols, ConnectionDelegate http1, ConnectionDelegate kestrel) => protocols switch
    {
        HttpProtocols.Http2 or HttpProtocols.Http3 => kestrel,
        HttpProtocols.Http1AndHttp2 or HttpProtocols.Http1AndHttp2AndHttp3 => context => NegotiatedHttp2(context) ? kestrel(context) : http1(context),
        _ => http1,
    };

    /// <summary>
    /// Sets the endpoint's <see cref="ListenOptions.Protocols"/> to match: Kestrel reads it for the ALPN list it offers
    /// (when its TLS middleware is built, so after this call whatever the order) and for the HTTP version its own
    /// stack speaks. Kestrel's default (HTTP/1.1 and HTTP/2) is left untouched rather than set again: set explicitly
    /// on a cleartext endpoint, Kestrel warns that HTTP/2 needs TLS there.
    /// </summary>
    public static void Apply(ListenOptions listenOptions, HttpProtocols protocols)
    {
        if (listenOptions.Protocols != protocols)
        {
            listenOptions.Protocols = protocols;
        }
    }

    private static bool NegotiatedHttp2(ConnectionContext context) =>
        context.Features.Get<ITlsApplicationProtocolFeature>() is { } alpn
        && alpn.ApplicationProtocol.Span.SequenceEqual(SslApplicationProtocol.Http2.Protocol.Span);
}
