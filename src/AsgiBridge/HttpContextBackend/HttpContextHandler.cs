using AsgiBridge.Cycle;
using System.Diagnostics;
using AsgiBridge.Diagnostics;
using AsgiBridge.WebSocket;
using AsgiBridge.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.HttpContextBackend;

/// <summary>
/// Serves one application instance inside an ASP.NET Core pipeline (<c>MapAsgi</c>, <c>UseAsgi</c>): each request
/// becomes an <c>http</c> or <c>websocket</c> scope (docs/aspnetcore.md). The instance's lifespan and the host's
/// <c>Asgi</c> settings are the same as wherever else the instance is served.
/// </summary>
internal sealed class HttpContextHandler
{
    private readonly AsgiAppInstance _instance;
    private readonly AsgiServerOptions _options;
    private readonly int _prefixLength;
    private readonly ILogger _logger;
    private readonly ServerDiagnostics _telemetry;
    private readonly CancellationToken _stopping;
    private readonly DefaultResponseHeaders _defaults;

    private HttpContextHandler(AsgiAppInstance instance, AsgiServerOptions options, int prefixLength, ILoggerFactory loggerFactory, CancellationToken stopping)
    {
        _instance = instance;
        _options = options;
        _prefixLength = prefixLength;
        _logger = loggerFactory.CreateLogger("AsgiBridge.HttpContext");
        _telemetry = instance.State.Telemetry;
        _stopping = stopping;
        _defaults = DefaultResponseHeaders.Parse(options.Headers);
    }

    /// <summary>
    /// The request delegate for <paramref name="app"/>; <paramref name="prefixLength"/> characters of the request path
    /// (the prefix the endpoint matched) go to <c>root_path</c>. WebSocket requests get ASP.NET Core's handshake
    /// (<see cref="WebSocketMiddleware"/>) when the pipeline has none (no <c>UseWebSockets()</c>).
    /// </summary>
    public static RequestDelegate Create(IServiceProvider services, AsgiApp app, int prefixLength)
    {
        var registry = AsgiAppRegistry.For(services);
        var loggerFactory = services.GetRequiredService<ILoggerFactory>();
        var stopping = services.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        var handler = new HttpContextHandler(registry.GetOrAdd(app), registry.Options, prefixLength, loggerFactory, stopping);
        var webSockets = new WebSocketMiddleware(
            handler.InvokeAsync,
            Microsoft.Extensions.Options.Options.Create(new WebSocketOptions { KeepAliveInterval = registry.Options.WsPingInterval }),
            loggerFactory);
        // Only a request that can become a WebSocket goes through the middleware, which sets up its handshake feature
        // (an allocation) on every request it sees.
        return context => MayBeWebSocket(context) ? webSockets.Invoke(context) : handler.InvokeAsync(context);
    }

    /// <summary>An HTTP/1.1 request asking to upgrade, or an HTTP/2 extended CONNECT (RFC 8441).</summary>
    private static bool MayBeWebSocket(HttpContext context) =>
        context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true }
        || context.Features.Get<IHttpExtendedConnectFeature>() is { IsExtendedConnect: true };

    public async Task InvokeAsync(HttpContext context)
    {
        if (!_instance.Ready.IsCompletedSuccessfully)
        {
            try
            {
                await _instance.Ready.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The lifespan startup failed (logged when it did): the application is not ready to serve.
                await new HttpContextResponseWire(context, _defaults).WriteAnswerAsync(ServerAnswer.InternalServerError).ConfigureAwait(false);
                return;
            }
        }

        var state = _instance.State;
        var admission = state.TryEnter();
        if (admission == Admission.Refused)
        {
            Log.RequestRefused(_logger, state.Counting ? "Asgi:LimitConcurrency or Asgi:LimitMaxRequests reached" : "refused");
            await new HttpContextResponseWire(context, _defaults).WriteAnswerAsync(ServerAnswer.ServiceUnavailable).ConfigureAwait(false);
            return;
        }

        try
        {
            ApplyLimits(context);
            if (context.WebSockets.IsWebSocketRequest)
            {
                await RunWebSocketAsync(context).ConfigureAwait(false);
            }
            else
            {
                await RunHttpAsync(context).ConfigureAwait(false);
            }
        }
        finally
        {
            state.Exit();
        }
    }

    private async Task RunHttpAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var trailers = HttpContextScope.TrailerSupportOf(context);
        var scope = HttpContextScope.Build(context, "http", _options.RootPath, _prefixLength, _instance.State.StateSource, trailers);
        using var exchange = new HttpContextExchange(context, trailers, _defaults);
        await exchange.RunAsync(_instance.App, scope, _logger).ConfigureAwait(false);
        if (_telemetry.AccessLogEnabled)
        {
            var (status, bytes) = exchange.Answer;
            var target = LogText.Target(scope.RawPath.Span, scope.QueryString.Span);
            var milliseconds = AccessLog.Milliseconds(start, Stopwatch.GetTimestamp());
            if (status == 0)
            {
                AccessLog.RequestWithoutResponse(_telemetry.AccessLogger!, AccessLog.Client(scope.Client), scope.Method, target, scope.HttpVersion, milliseconds, "ClientDisconnected");
            }
            else
            {
                AccessLog.Request(_telemetry.AccessLogger!, AccessLog.Client(scope.Client), scope.Method, target, scope.HttpVersion, status, bytes, milliseconds);
            }
        }
    }

    private async Task RunWebSocketAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var scope = HttpContextScope.Build(context, "websocket", _options.RootPath, _prefixLength, _instance.State.StateSource, TrailerSupport.None);
        scope.Subprotocols = [.. context.WebSockets.WebSocketRequestedProtocols];
        scope.Extensions["websocket.http.response"] = new Dictionary<string, object?>(StringComparer.Ordinal);
        using var upgrade = new HttpContextWebSocketUpgrade(context, _options, _defaults, _stopping);
        using var session = new WebSocketSession(_logger, scope, upgrade);
        await session.RunAsync(_instance.App).ConfigureAwait(false);
        if (_telemetry.AccessLogEnabled)
        {
            var (accepted, closeCode) = (session.Accepted, session.CloseCode);
            var target = LogText.Target(scope.RawPath.Span, scope.QueryString.Span);
            if (accepted)
            {
                AccessLog.WebSocketClosed(_telemetry.AccessLogger!, AccessLog.Client(scope.Client), AccessLog.WebSocketMethod, target, closeCode, AccessLog.Milliseconds(start, Stopwatch.GetTimestamp()));
            }
            else
            {
                AccessLog.Request(_telemetry.AccessLogger!, AccessLog.Client(scope.Client), scope.Method, target, scope.HttpVersion, context.Response.StatusCode, 0, AccessLog.Milliseconds(start, Stopwatch.GetTimestamp()));
            }
        }
    }

    /// <summary>
    /// The <c>Asgi</c> body limits, on the server's own per-request features (Kestrel applies them; servers without
    /// them, such as TestServer, have none): MaxRequestBodySize, and on HTTP/1.x MinRequestBodyDataRate and
    /// MinResponseDataRate (Kestrel does not take them per stream on HTTP/2 and HTTP/3: its server-wide limits apply).
    /// </summary>
    private void ApplyLimits(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } maxBody)
        {
            maxBody.MaxRequestBodySize = _options.MaxRequestBodySize;
        }

        var http1 = HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol);
        try
        {
            // Kestrel's HTTP/2 and HTTP/3 streams take only null (off) per request and throw for a rate: set on HTTP/1.x,
            // or to turn it off, never to have an exception thrown and caught on every HTTP/2 request.
            if ((http1 || _options.MinRequestBodyDataRate is null)
                && context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinRequestBodyDataRateFeature>() is { } requestRate)
            {
                requestRate.MinDataRate = _options.MinRequestBodyDataRate;
            }

            if (http1 && context.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.IHttpMinResponseDataRateFeature>() is { } responseRate)
            {
                responseRate.MinDataRate = _options.MinResponseDataRate;
            }
        }
        catch (NotSupportedException)
        {
            // The protocol does not support the setting per request: the server's own limits apply.
        }
    }
}
