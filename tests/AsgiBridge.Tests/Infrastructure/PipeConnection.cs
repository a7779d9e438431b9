using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AsgiBridge.Tests.Infrastructure;

/// <summary>
/// A Kestrel <see cref="ConnectionContext"/> over two in-memory pipes, for the few connection behaviours that a
/// socket test cannot reach on purpose: here the test itself raises the close request Kestrel raises on shutdown
/// (<see cref="RequestClose"/>), at an exact point of the exchange. <see cref="ClientInput"/> is what the server
/// reads; <see cref="ClientOutput"/> is what it writes.
/// </summary>
public sealed class PipeConnection : ConnectionContext, IConnectionLifetimeNotificationFeature
{
    private readonly Pipe _input = new();
    private readonly Pipe _output = new();
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _closeRequested = new();

    public PipeConnection()
    {
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        Features.Set<IConnectionLifetimeNotificationFeature>(this);
        ConnectionClosed = _closed.Token;
        ConnectionClosedRequested = _closeRequested.Token;
        LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 8000);
        RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 54321);
    }

    public PipeWriter ClientInput => _input.Writer;

    public PipeReader ClientOutput => _output.Reader;

    public override IDuplexPipe Transport { get; set; }

    public override string ConnectionId { get; set; } = "pipe";

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public CancellationToken ConnectionClosedRequested { get; set; }

    /// <summary>Raises the close request (Kestrel's graceful shutdown of a connection).</summary>
    public void RequestClose() => _closeRequested.Cancel();

    public override void Abort(ConnectionAbortedException abortReason) => _closed.Cancel();

    /// <summary>Everything the server wrote until it completed its output.</summary>
    public async Task<string> ReadAllOutputAsync()
    {
        while (true)
        {
            var result = await _output.Reader.ReadAsync();
            if (result.IsCompleted)
            {
                var text = System.Text.Encoding.Latin1.GetString(System.Buffers.BuffersExtensions.ToArray(result.Buffer));
                _output.Reader.AdvanceTo(result.Buffer.End);
                return text;
            }

            _output.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    public override ValueTask DisposeAsync()
    {
        _closed.Dispose();
        _closeRequested.Dispose();
        return base.DisposeAsync();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
