using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AsgiBridge.TestSupport;

/// <summary>
/// A Kestrel <see cref="ConnectionContext"/> over two in-memory pipes, the one shared by the protocol tests and
/// bench/Micro (compiled into both). <see cref="ClientInput"/> writes what the server reads; <see cref="ClientOutput"/>
/// reads what it writes. A test raises the close request Kestrel raises on shutdown (<see cref="RequestClose"/>) at
/// an exact point of the exchange, which a socket test cannot reach on purpose.
/// </summary>
/// <remarks>
/// For a benchmark, <c>inline: true</c> makes both pipes run continuations inline, so a client flush runs the
/// server's request cycle on the calling thread up to its next pending read (the server's own time and allocations,
/// with no thread-pool hop in between); <c>silentHeartbeat: true</c> serves a heartbeat feature that never ticks, as
/// Kestrel's would between one-second ticks: without it the connection falls back to its own timer, whose keep-alive
/// deadline could close the connection between benchmark iterations.
/// </remarks>
public sealed class InMemoryConnection : ConnectionContext, IConnectionLifetimeNotificationFeature, IConnectionHeartbeatFeature
{
    private static readonly PipeOptions s_inline = new(
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 0,
        useSynchronizationContext: false);

    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly CancellationTokenSource _closeRequested = new();

    public InMemoryConnection(bool inline = false, bool silentHeartbeat = false)
    {
        _input = inline ? new Pipe(s_inline) : new Pipe();
        _output = inline ? new Pipe(s_inline) : new Pipe();
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        Features.Set<IConnectionLifetimeNotificationFeature>(this);
        if (silentHeartbeat)
        {
            Features.Set<IConnectionHeartbeatFeature>(this);
        }

        ConnectionClosed = _closed.Token;
        ConnectionClosedRequested = _closeRequested.Token;
        LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 8000);
        RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 54321);
    }

    /// <summary>What the server reads: the client's side of the input pipe.</summary>
    public PipeWriter ClientInput => _input.Writer;

    /// <summary>What the server wrote: the client's side of the output pipe.</summary>
    public PipeReader ClientOutput => _output.Reader;

    public override IDuplexPipe Transport { get; set; }

    public override string ConnectionId { get; set; } = "in-memory";

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public CancellationToken ConnectionClosedRequested { get; set; }

    /// <summary>Raises the close request (Kestrel's graceful shutdown of a connection).</summary>
    public void RequestClose() => _closeRequested.Cancel();

    public override void Abort(ConnectionAbortedException abortReason) => _closed.Cancel();

    public void OnHeartbeat(Action<object> action, object state)
    {
        // Never ticks (served only with silentHeartbeat): an in-memory benchmark connection has no deadline to enforce.
    }

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
