using System.Buffers;
using System.Net.Sockets;
using AsgiBridge.Python.Bridge;
using AsgiBridge.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Python.Sockets;

/// <summary>
/// Gives every socket the server accepts to the running Python app's event loop (<see cref="LoopSocketConnection"/>);
/// while no Python app runs in the process (before it is loaded, after it stopped) sockets get Kestrel's own
/// connection. Buffers come from Kestrel's memory pool factory, with the read and write limits of its socket
/// transport options.
/// </summary>
internal sealed class LoopSocketSource : ISocketConnectionSource, IDisposable
{
    private readonly MemoryPool<byte> _pool;
    private readonly long _maxRead;
    private readonly long _maxWrite;

    public LoopSocketSource(IOptions<SocketTransportOptions> options, IServiceProvider services)
    {
        _pool = services.GetService<IMemoryPoolFactory<byte>>()?.Create(new MemoryPoolOptions { Owner = "asgibridge-python" }) ?? MemoryPool<byte>.Shared;
        _maxRead = options.Value.MaxReadBufferSize ?? 0;
        _maxWrite = options.Value.MaxWriteBufferSize ?? 0;
    }

    public ConnectionContext? TryCreate(Socket accepted)
    {
        if (PythonLoop.Current is not { IsRunning: true } loop)
        {
            return null;
        }

        var connection = new LoopSocketConnection(accepted, loop, _pool, _maxRead, _maxWrite);
        connection.Start();
        return connection;
    }

    public void Dispose() => _pool.Dispose();
}
