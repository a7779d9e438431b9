using AsgiBridge.Http1;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Hosting;

/// <summary>The Kestrel connection handler: every accepted connection becomes one <see cref="Http1Connection"/>.</summary>
internal sealed class AsgiConnectionHandler : ConnectionHandler
{
    private readonly AsgiApp _app;
    private readonly ConnectionSettings _settings;
    private readonly ILogger _logger;
    private readonly Task _ready;

    public AsgiConnectionHandler(AsgiApp app, AsgiServerOptions options, AsgiServerState state, ILoggerFactory loggerFactory, Task? ready = null)
    {
        _app = app;
        _settings = new ConnectionSettings(options, state);
        _logger = loggerFactory.CreateLogger("AsgiBridge.Http1");
        _ready = ready ?? Task.CompletedTask;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        if (!_ready.IsCompletedSuccessfully)
        {
            // An application whose lifespan started late (see AsgiAppInstance.Ready): wait for it; if its startup
            // failed, close the connection without an answer rather than serve an app that is not ready.
            try
            {
                await _ready.ConfigureAwait(false);
            }
            catch (Exception)
            {
                connection.Abort(new ConnectionAbortedException("The ASGI application's lifespan startup failed."));
                return;
            }
        }

        using var http = new Http1Connection(connection, _app, _settings, _logger);
        await http.ProcessAsync().ConfigureAwait(false);
    }
}
