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

    public AsgiConnectionHandler(AsgiApp app, AsgiServerOptions options, AsgiServerState state, ILoggerFactory loggerFactory)
    {
        _app = app;
        _settings = new ConnectionSettings(options, state);
        _logger = loggerFactory.CreateLogger("AsgiBridge.Http1");
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        using var http = new Http1Connection(connection, _app, _settings, _logger);
        await http.ProcessAsync().ConfigureAwait(false);
    }
}
