using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Testing;

/// <summary>
/// Tests an ASGI application in memory, with no socket (as Starlette's <c>TestClient</c> does for Python apps): the
/// application runs behind ASP.NET Core's <c>TestServer</c> on AsgiBridge's HttpContext backend, so it is held to the
/// same request-cycle rules as in production (an application that misuses events fails the test the way it would
/// fail a request). The application's lifespan starts before the first request (or at <see cref="StartAsync"/>) and
/// shuts down at <see cref="DisposeAsync"/>. Requests go through <see cref="HttpClient"/> (bodies stream both ways);
/// WebSocket sessions through <see cref="ConnectWebSocketAsync"/>.
/// </summary>
public sealed class AsgiTestClient : IAsyncDisposable
{
    private readonly WebApplication _host;
    private readonly Lazy<Task> _started;
    private readonly HttpClient _client;
    private bool _disposed;

    /// <summary>Creates the client; nothing runs until the first request or <see cref="StartAsync"/>.</summary>
    /// <param name="app">The ASGI application.</param>
    /// <param name="configure">Optional settings (the <c>Asgi</c> section's, as in production; lifespan <c>auto</c> by default).</param>
    public AsgiTestClient(AsgiApp app, Action<AsgiServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        builder.Services.AddAsgi(configure);
        _host = builder.Build();
        _host.UseAsgi(app);
        _started = new Lazy<Task>(() => _host.StartAsync());
        _client = new HttpClient(new StartingHandler(this)) { BaseAddress = new Uri("http://localhost/") };
    }

    /// <summary>
    /// The client for HTTP requests to the application (base address <c>http://localhost/</c>). Its first request
    /// starts the application's lifespan; a failed startup fails that request with the host's exception.
    /// </summary>
    public HttpClient HttpClient => _client;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Runs the application's lifespan startup now (otherwise the first request does); throws if it fails.</summary>
    /// <returns>A task that completes when the application is ready.</returns>
    public Task StartAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _started.Value;
    }

    /// <summary>Opens a WebSocket session to <paramref name="path"/> (a <c>websocket</c> scope), offering <paramref name="subprotocols"/>.</summary>
    /// <param name="path">The path and query, e.g. <c>"/ws?room=1"</c>.</param>
    /// <param name="subprotocols">The subprotocols offered, in order.</param>
    /// <param name="cancellationToken">Cancels the handshake.</param>
    /// <returns>The client side of the session; a refused handshake throws.</returns>
    public async Task<System.Net.WebSockets.WebSocket> ConnectWebSocketAsync(string path, IEnumerable<string>? subprotocols = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        await StartAsync().ConfigureAwait(false);
        var client = _host.GetTestServer().CreateWebSocketClient();
        foreach (var protocol in subprotocols ?? [])
        {
            client.SubProtocols.Add(protocol);
        }

        return await client.ConnectAsync(new Uri(new Uri("ws://localhost/"), path), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the host: the application's lifespan shutdown runs (when it started).</summary>
    /// <returns>A task that completes when the host has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _client.Dispose();
        if (_started.IsValueCreated && _started.Value.IsCompletedSuccessfully)
        {
            await _host.StopAsync().ConfigureAwait(false);
        }

        await _host.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Starts the host before the first request, then hands every request to TestServer.</summary>
    private sealed class StartingHandler : DelegatingHandler
    {
        private readonly AsgiTestClient _owner;
        private readonly Lock _handlerLock = new();

        public StartingHandler(AsgiTestClient owner) => _owner = owner;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await _owner.StartAsync().ConfigureAwait(false);
            if (InnerHandler is null)
            {
                // TestServer makes its handler only once started; two first requests at once must not both set it.
                lock (_handlerLock)
                {
                    InnerHandler ??= _owner._host.GetTestServer().CreateHandler();
                }
            }

            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
