using System.IO.Pipelines;
using System.Net;
using AsgiBridge.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace AsgiBridge.Transport;

/// <summary>
/// A transport connection counted against <c>Asgi:LimitConnections</c> from its accept to its disposal, which is
/// when Kestrel has finished with it and its descriptor is closed. Everything else is the transport's connection.
/// </summary>
internal sealed class CountedConnection : ConnectionContext
{
    private readonly ConnectionContext _inner;
    private readonly ConnectionCeiling _ceiling;
    private int _disposed;

    public CountedConnection(ConnectionContext inner, ConnectionCeiling ceiling)
    {
        _inner = inner;
        _ceiling = ceiling;
    }

    public override string ConnectionId { get => _inner.ConnectionId; set => _inner.ConnectionId = value; }

    public override IFeatureCollection Features => _inner.Features;

    public override IDictionary<object, object?> Items { get => _inner.Items; set => _inner.Items = value; }

    public override IDuplexPipe Transport { get => _inner.Transport; set => _inner.Transport = value; }

    public override EndPoint? LocalEndPoint { get => _inner.LocalEndPoint; set => _inner.LocalEndPoint = value; }

    public override EndPoint? RemoteEndPoint { get => _inner.RemoteEndPoint; set => _inner.RemoteEndPoint = value; }

    public override CancellationToken ConnectionClosed { get => _inner.ConnectionClosed; set => _inner.ConnectionClosed = value; }

    public override void Abort() => _inner.Abort();

    public override void Abort(ConnectionAbortedException abortReason) => _inner.Abort(abortReason);

    public override async ValueTask DisposeAsync()
    {
        try
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _ceiling.Close();
            }
        }
    }
}
