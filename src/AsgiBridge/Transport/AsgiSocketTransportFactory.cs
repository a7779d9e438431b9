using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Transport;

/// <summary>
/// Kestrel's socket transport with an accept loop that survives running out of descriptors. Kestrel's own listener
/// retries at once on every failed accept, so once the process hits its descriptor limit (EMFILE) it spins on the
/// exception, one core at 100 %, until the runtime aborts with "Out of memory." (docs/security.md). This one binds
/// and creates connections with Kestrel's own public pieces (<see cref="SocketTransportOptions.CreateBoundListenSocket"/>,
/// <see cref="SocketConnectionContextFactory"/>), so connections behave exactly as Kestrel's; only the accept loop is ours.
/// </summary>
internal sealed class AsgiSocketTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SocketTransportOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;

    public AsgiSocketTransportFactory(IOptions<SocketTransportOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("AsgiBridge.Transport");
    }

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint or UnixDomainSocketEndPoint or FileHandleEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        Socket socket;
        try
        {
            socket = _options.CreateBoundListenSocket(endpoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new AddressInUseException(ex.Message, ex);
        }

        try
        {
            socket.Listen(_options.Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var factory = new SocketConnectionContextFactory(
            new SocketConnectionFactoryOptions
            {
                IOQueueCount = _options.IOQueueCount,
                WaitForDataBeforeAllocatingBuffer = _options.WaitForDataBeforeAllocatingBuffer,
                MaxReadBufferSize = _options.MaxReadBufferSize,
                MaxWriteBufferSize = _options.MaxWriteBufferSize,
                UnsafePreferInlineScheduling = _options.UnsafePreferInlineScheduling,
            },
            _loggerFactory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
        return new ValueTask<IConnectionListener>(new AsgiSocketListener(socket, factory, _options.NoDelay, _logger));
    }
}
