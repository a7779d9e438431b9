using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AsgiBridge.Benchmarks;

/// <summary>
/// A Kestrel <see cref="ConnectionContext"/> over two in-memory pipes. <see cref="ClientInput"/> writes what the
/// server reads; <see cref="ClientOutput"/> reads what it writes. Both pipes schedule continuations inline, so a
/// client flush runs the server's request cycle on the calling thread up to its next pending read: a benchmark
/// sees the server's own time and allocations, with no thread-pool hop or client state machine in between.
/// The context also serves a heartbeat feature that never ticks, as Kestrel's would between one-second ticks;
/// without it the connection falls back to its own timer, whose keep-alive deadline could close the
/// connection between BenchmarkDotNet iterations.
/// </summary>
internal sealed class InMemoryConnection : ConnectionContext, IConnectionHeartbeatFeature
{
    private static readonly PipeOptions s_inline = new(
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: 0,
        useSynchronizationContext: false);

    private readonly Pipe _input = new(s_inline);
    private readonly Pipe _output = new(s_inline);
    private readonly CancellationTokenSource _closed = new();

    public InMemoryConnection()
    {
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        Features.Set<IConnectionHeartbeatFeature>(this);
        ConnectionClosed = _closed.Token;
        LocalEndPoint = new IPEndPoint(IPAddress.Loopback, 8000);
        RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 54321);
    }

    public PipeWriter ClientInput => _input.Writer;

    public PipeReader ClientOutput => _output.Reader;

    public override IDuplexPipe Transport { get; set; }

    public override string ConnectionId { get; set; } = "bench";

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override void Abort(ConnectionAbortedException abortReason) => _closed.Cancel();

    public void OnHeartbeat(Action<object> action, object state)
    {
        // Never ticks: a benchmark connection has no deadline to enforce.
    }

    public override ValueTask DisposeAsync()
    {
        _closed.Dispose();
        return base.DisposeAsync();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
