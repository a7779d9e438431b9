using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.WebSockets;
using System.Security.Cryptography.X509Certificates;

namespace AsgiBridge.Tests.Backends;

/// <summary>The clients of the backends that listen on a socket: HttpClient and ClientWebSocket, over HTTP/1.1 or HTTP/2 with TLS.</summary>
internal static class SocketClients
{
    /// <summary>
    /// A handler for one backend. A response the test stops reading is not drained (the connection closes at once, as
    /// a client that goes away does). With <paramref name="trusted"/>, TLS accepts that certificate and no other.
    /// </summary>
    public static SocketsHttpHandler Handler(X509Certificate2? trusted = null)
    {
        var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0, AllowAutoRedirect = false };
        if (trusted is not null)
        {
            var thumbprint = trusted.Thumbprint;
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && string.Equals(certificate.GetCertHashString(), thumbprint, StringComparison.OrdinalIgnoreCase),
            };
        }

        return handler;
    }

    /// <summary>A ClientWebSocket session; HTTP/2 (RFC 8441) when <paramref name="version"/> is 2.0.</summary>
    public static async Task<System.Net.WebSockets.WebSocket> ConnectAsync(Uri uri, Version version, X509Certificate2? trusted, string[] subprotocols)
    {
        var socket = new ClientWebSocket();
        socket.Options.HttpVersion = version;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        socket.Options.CollectHttpResponseDetails = true;
        foreach (var protocol in subprotocols)
        {
            socket.Options.AddSubProtocol(protocol);
        }

        using var invoker = new HttpMessageInvoker(Handler(trusted));
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(uri, invoker, timeout.Token);
            return socket;
        }
        catch (WebSocketException ex) when (socket.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw new WebSocketRefusedException(status, ex);
        }
    }

    /// <summary>
    /// A WebSocket handshake sent as an HTTP request (an HTTP/1.1 upgrade, or an extended CONNECT on HTTP/2), for an
    /// app that answers it with an HTTP response: the status and body.
    /// </summary>
    public static async Task<(HttpStatusCode Status, string Body)> HandshakeForAnswerAsync(HttpClient client, string path)
    {
        var http2 = client.DefaultRequestVersion == HttpVersion.Version20;
        using var request = new HttpRequestMessage(http2 ? HttpMethod.Connect : HttpMethod.Get, new Uri(path, UriKind.Relative))
        {
            Version = client.DefaultRequestVersion,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Add("Sec-WebSocket-Version", "13");
        if (http2)
        {
            request.Headers.Protocol = "websocket";
        }
        else
        {
            request.Headers.Connection.Add("Upgrade");
            request.Headers.Upgrade.Add(new ProductHeaderValue("websocket"));
            request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
