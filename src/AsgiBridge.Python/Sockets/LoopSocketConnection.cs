using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using AsgiBridge.Python.Bridge;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AsgiBridge.Python.Sockets;

/// <summary>
/// A TCP or Unix connection whose socket reads and writes run on the Python event loop's thread (docs/python.md,
/// "Sockets on the event loop"): the loop watches the descriptor, a readable socket is read right in the loop's
/// callback and the connection's pipe hands the bytes to the HTTP handler inline, so a request is parsed, its scope
/// built and its task started without leaving the loop's thread; a response the app writes there is sent there too.
/// No thread switch and no GIL hand-over per request, which is what a single-threaded server such as uvicorn pays
/// nothing for either.
/// <para>
/// It behaves as Kestrel's socket connection (its ordering of shutdown, input completion and the
/// <c>ConnectionClosed</c> token): the end of the peer's stream completes the input and
/// fires the token; the send loop ending shuts the socket down, gracefully (FIN) when the output completed and
/// abortively (RST) on an abort or a send error. The descriptor itself is closed on the loop thread, after it left
/// the loop's poller. Writes from another thread (a Kestrel timer, the thread pool) are sent from that thread; only
/// a full socket buffer waits for the loop to say it is writable again.
/// </para>
/// </summary>
internal sealed class LoopSocketConnection : ConnectionContext, ILoopWork, ISocketEvents,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature,
    IConnectionEndPointFeature, IConnectionSocketFeature, IMemoryPoolFeature
{
    // Kestrel's socket transport asks for at least half a 4 KiB pool block per read.
    private const int MinReadBuffer = 2048;

    // Work the loop thread owes this connection, set from any thread (one post while any is pending).
    private const int OpStart = 1;
    private const int OpResumeRead = 2;
    private const int OpWatchWrite = 4;
    private const int OpClose = 8;

    private static long s_lastId = Random.Shared.NextInt64(1, long.MaxValue / 2);

    private readonly Socket _socket;
    private readonly PythonLoop _loop;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closedSource = new();
    private readonly TaskCompletionSource _closedFired = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _socketClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _shutdownLock = new();
    private volatile Exception? _shutdownReason;
    private TaskCompletionSource? _writable;
    private Task _sending = Task.CompletedTask;
    private SocketWatch? _watch;
    private int _ops;
    private int _receiveEnded;
    private bool _closed;
    private string? _connectionId;
    private IDictionary<object, object?> _items = new ConnectionItems();

    public LoopSocketConnection(Socket socket, PythonLoop loop, MemoryPool<byte> pool, long maxReadBuffer, long maxWriteBuffer)
    {
        _socket = socket;
        _loop = loop;
        MemoryPool = pool;
        socket.Blocking = false;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        ConnectionClosed = _closedSource.Token;

        // The handler's read continues inline in the loop's read callback; the send loop resumes at the end of the
        // loop's iteration when the flush was on the loop thread, at once elsewhere (EndOfIterationScheduler).
        _input = new Pipe(new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, maxReadBuffer, maxReadBuffer / 2, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(pool, loop.SendScheduler, PipeScheduler.Inline, maxWriteBuffer, maxWriteBuffer / 2, useSynchronizationContext: false));
        Transport = new DuplexPipe(_input.Reader, _output.Writer);

        Features = new FeatureCollection();
        Features.Set<IConnectionIdFeature>(this);
        Features.Set<IConnectionTransportFeature>(this);
        Features.Set<IConnectionItemsFeature>(this);
        Features.Set<IConnectionLifetimeFeature>(this);
        Features.Set<IConnectionEndPointFeature>(this);
        Features.Set<IConnectionSocketFeature>(this);
        Features.Set<IMemoryPoolFeature>(this);
    }

    public override string ConnectionId
    {
        get => _connectionId ??= ConnectionIds.Format(Interlocked.Increment(ref s_lastId));
        set => _connectionId = value;
    }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items { get => _items; set => _items = value; }

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public MemoryPool<byte> MemoryPool { get; }

    public Socket Socket => _socket;

    /// <summary>Starts the send loop and asks the loop to watch the socket. The accepting thread.</summary>
    public void Start()
    {
        _sending = SendLoopAsync();
        Request(OpStart);
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Shutdown(abortReason);
        _output.Reader.CancelPendingRead();
    }

    /// <summary>Called by Kestrel once its connection middleware is done (the <c>ConnectionClosed</c> token has fired or will).</summary>
    public override async ValueTask DisposeAsync()
    {
        Transport.Input.Complete();
        Transport.Output.Complete();
        await _sending.ConfigureAwait(false);
        await _socketClosed.Task.ConfigureAwait(false);
        await _closedFired.Task.ConfigureAwait(false);
        _closedSource.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    void ILoopWork.RunOnLoop()
    {
        var ops = Interlocked.Exchange(ref _ops, 0);
        if (_closed)
        {
            return;
        }

        if ((ops & OpClose) != 0)
        {
            CloseOnLoop();
            return;
        }

        if ((ops & OpStart) != 0)
        {
            _watch = new SocketWatch(_loop, _socket.SafeHandle.DangerousGetHandle(), this);
            _watch.Read(true);
        }
        else if ((ops & OpResumeRead) != 0 && Volatile.Read(ref _receiveEnded) == 0)
        {
            _watch?.Read(true);
        }

        if ((ops & OpWatchWrite) != 0)
        {
            _watch?.Write(true);
        }
    }

    void ILoopWork.Abandon() => CloseSocket();

    void ISocketEvents.OnReadable()
    {
        if (_shutdownReason is not null)
        {
            EndReceive(null);
            return;
        }

        var writer = _input.Writer;
        try
        {
            // Read until the socket has no more or the pipe pauses; a read that did not fill its buffer emptied the socket.
            while (true)
            {
                var memory = writer.GetMemory(MinReadBuffer);
                var received = _socket.Receive(memory.Span, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    return;
                }

                if (error != SocketError.Success)
                {
                    EndReceive(SocketErrors.IsReset(error) ? new ConnectionResetException(new SocketException((int)error).Message) : new SocketException((int)error));
                    return;
                }

                if (received == 0)
                {
                    EndReceive(null); // FIN
                    return;
                }

                writer.Advance(received);
                var flush = writer.FlushAsync();
                if (!flush.IsCompleted)
                {
                    // The handler has not consumed what it has (pipe over its limit): stop reading until it does.
                    _watch?.Read(false);
                    _loop.Counters.SocketReadPauses++;
                    _ = ResumeAfterAsync(flush);
                    return;
                }

                var result = flush.GetAwaiter().GetResult();
                if (result.IsCompleted || result.IsCanceled)
                {
                    EndReceive(null);
                    return;
                }

                if (received < memory.Length || _closed)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or SocketException)
        {
            // Closed under the read (an abort from another thread), or the input already completed: reading is over.
            EndReceive(ex);
        }
    }

    void ISocketEvents.OnWritable()
    {
        _watch?.Write(false);
        Interlocked.Exchange(ref _writable, null)?.TrySetResult();
    }

    private async Task ResumeAfterAsync(ValueTask<FlushResult> flush)
    {
        FlushResult result;
        try
        {
            result = await flush.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            EndReceive(ex);
            return;
        }

        if (result.IsCompleted || result.IsCanceled)
        {
            EndReceive(null);
        }
        else
        {
            Request(OpResumeRead);
        }
    }

    private async Task SendLoopAsync()
    {
        Exception? shutdownReason = null;
        Exception? unexpectedError = null;
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break;
                }

                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    var remaining = segment;
                    while (!remaining.IsEmpty)
                    {
                        var sent = _socket.Send(remaining.Span, SocketFlags.None, out var error);
                        if (error == SocketError.Success)
                        {
                            remaining = remaining[sent..];
                        }
                        else if (error == SocketError.WouldBlock)
                        {
                            await WritableAsync().ConfigureAwait(false);
                        }
                        else
                        {
                            shutdownReason = SocketErrors.IsReset(error)
                                ? new ConnectionResetException(new SocketException((int)error).Message)
                                : new SocketException((int)error);
                            return;
                        }
                    }
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (ObjectDisposedException ex)
        {
            // The socket was closed under the send (an abort): the shutdown reason is already set.
            shutdownReason = ex;
        }
        catch (Exception ex)
        {
            shutdownReason = unexpectedError = ex;
        }
        finally
        {
            Shutdown(shutdownReason);
            reader.Complete(unexpectedError);
            _input.Writer.CancelPendingFlush();
        }
    }

    /// <summary>Waits until the loop sees the socket writable (a full send buffer: rare, so allocated then).</summary>
    private Task WritableAsync()
    {
        Interlocked.Increment(ref _loop.Counters.SocketWriteWaits);
        var writable = new TaskCompletionSource();
        Volatile.Write(ref _writable, writable);
        if (_closed)
        {
            writable.TrySetResult(); // the next send finds the socket disposed
        }

        Request(OpWatchWrite);
        return writable.Task;
    }

    /// <summary>
    /// Kestrel's shutdown: on a graceful end (no reason) FIN at once; on an abort or a send error the connection is
    /// reset (linger 0) when the descriptor closes, as Kestrel resets it. The close itself happens on the loop. Any thread.
    /// </summary>
    private void Shutdown(Exception? reason)
    {
        lock (_shutdownLock)
        {
            if (_shutdownReason is not null)
            {
                return;
            }

            _shutdownReason = reason ?? new ConnectionAbortedException("The event loop transport's send loop completed gracefully.");
            try
            {
                if (reason is null)
                {
                    _socket.Shutdown(SocketShutdown.Both);
                }
                else
                {
                    _socket.LingerState = new LingerOption(true, 0);
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Tearing down anyway.
            }
        }

        Request(OpClose);
    }

    /// <summary>The peer's stream ended (FIN, reset) or reading stopped: input completed, the token fired (once). Any thread.</summary>
    private void EndReceive(Exception? error)
    {
        if (Interlocked.Exchange(ref _receiveEnded, 1) != 0)
        {
            return;
        }

        if (_loop.OnLoopThread)
        {
            _watch?.Read(false);
        }

        _input.Writer.Complete(_shutdownReason ?? error);

        // As Kestrel: the token's callbacks run on the thread pool, never on the loop thread.
        ThreadPool.UnsafeQueueUserWorkItem(static connection =>
        {
            try
            {
                connection._closedSource.Cancel();
            }
            finally
            {
                connection._closedFired.TrySetResult();
            }
        }, this, preferLocal: false);
    }

    private void CloseOnLoop()
    {
        _watch?.Close();
        _watch = null;
        CloseSocket();
    }

    private void CloseSocket()
    {
        _closed = true;
        Interlocked.Exchange(ref _writable, null)?.TrySetResult();
        _socket.Dispose();
        EndReceive(null);
        _socketClosed.TrySetResult();
    }

    /// <summary>Asks the loop thread for work; runs it at once on the loop thread, and without Python once the loop has ended.</summary>
    private void Request(int op)
    {
        if (Interlocked.Or(ref _ops, op) != 0)
        {
            return; // already posted; the loop takes every pending bit at once
        }

        if (_loop.IsRunning)
        {
            _loop.Post(this, WorkKind.Socket);
        }
        else if ((Interlocked.Exchange(ref _ops, 0) & (OpClose | OpWatchWrite)) != 0)
        {
            CloseSocket();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
