using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Transport;

/// <summary>
/// Kestrel's socket transport with an accept loop that survives running out of descriptors. Kestrel's own listener
/// retries at once on every failed accept, so once the process hits its descriptor limit (EMFILE) it spins on the
/// exception, one core at 100 %, until the runtime aborts with "Out of memory." (docs/security.md). This one binds
/// and creates connections with Kestrel's own public pieces (<see cref="SocketTransportOptions.CreateBoundListenSocket"/>,
/// <see cref="SocketConnectionContextFactory"/>), so connections behave exactly as Kestrel's; only the accept loop is
/// ours, and it is where <c>Asgi:LimitConnections</c> is enforced (it counts a connection until its descriptor closes).
/// </summary>
internal sealed class AsgiSocketTransportFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly SocketTransportOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IServiceProvider _services;

    /// <remarks>
    /// The server state (and with it the <c>Asgi</c> settings) is resolved when an endpoint binds, not here: Kestrel
    /// builds its transports with the host, before the settings are checked.
    /// </remarks>
    public AsgiSocketTransportFactory(IOptions<SocketTransportOptions> options, ILoggerFactory loggerFactory, IServiceProvider services)
    {
        _services = services;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("AsgiBridge.Transport");
    }

    /// <summary>
    /// The connection options exactly as Kestrel's own transport makes them: its internal constructor also carries
    /// the memory pool Kestrel registered (pinned blocks, with eviction) and its FIN-on-error setting, which the public
    /// constructor cannot set (it would give connections the shared array pool). Found by reflection once; when a
    /// framework version lacks it, the public properties are copied instead (a test pins that it is found).
    /// </summary>
    internal static SocketConnectionFactoryOptions FactoryOptions(SocketTransportOptions options)
    {
        if (s_kestrelOptionsConstructor?.Invoke([options]) is SocketConnectionFactoryOptions kestrels)
        {
            return kestrels;
        }

        return new SocketConnectionFactoryOptions
        {
            IOQueueCount = options.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = options.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = options.MaxReadBufferSize,
            MaxWriteBufferSize = options.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = options.UnsafePreferInlineScheduling,
        };
    }

    /// <summary>Kestrel's <c>SocketConnectionFactoryOptions(SocketTransportOptions)</c>, when this framework has it.</summary>
    internal static readonly System.Reflection.ConstructorInfo? s_kestrelOptionsConstructor = typeof(SocketConnectionFactoryOptions).GetConstructor(
        System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic, [typeof(SocketTransportOptions)]);

    /// <summary>
    /// <c>Asgi:Backlog</c> when it is set (uvicorn's <c>--backlog</c>), else Kestrel's own setting. The settings are
    /// validated by the time an endpoint binds; without them (the transport registered alone) Kestrel's applies.
    /// </summary>
    internal static int Backlog(SocketTransportOptions options, IServiceProvider services) =>
        services.GetService<IOptions<AsgiServerOptions>>()?.Value.Backlog ?? options.Backlog;

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
            socket.Listen(Backlog(_options, _services));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var factory = new SocketConnectionContextFactory(FactoryOptions(_options), _loggerFactory.CreateLogger("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets"));
        return new ValueTask<IConnectionListener>(new AsgiSocketListener(
            socket, factory, _services.GetService<ISocketConnectionSource>(), _options.NoDelay, _services.GetRequiredService<Hosting.AsgiServerState>().Connections, _logger));
    }
}
