using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.Http1;

/// <summary>
/// Everything the connection writes, in one place (Kestrel's <c>Http1OutputProducer</c> is the model): the output pipe
/// and the memory parked in it, the write gate, flushes (a deferred one for pipelined responses) under the send
/// deadline, the HTTP/1.1 framing of the request cycle's responses (<see cref="IResponseWire"/>), and the server's own
/// answers. Partial files: this one the pipe, gate and flush; <c>.Response</c> the cycle's wire; <c>.Answers</c> the
/// responses the server writes itself.
/// </summary>
internal sealed partial class Http1OutputProducer : IResponseWire, IDisposable
{
    private readonly PipeWriter _output;
    private readonly ConnectionSettings _settings;
    private readonly RequestHead _head;
    private readonly ConnectionReuse _reuse;
    private readonly ConnectionTimer _timer;
    private readonly RequestTelemetry _telemetry;
    private readonly AsyncGate _gate = new();
    private RequestCycle _cycle = null!;

    /// <summary>The output pipe's memory the last response was written into, not yet advanced (see <see cref="OpenOutput"/>); meaningful only while <see cref="_parkedBytes"/> is above zero.</summary>
    private Memory<byte> _parked;

    /// <summary>How many bytes of <see cref="_parked"/> are written.</summary>
    private int _parkedBytes;

    private bool _flushPending;

    public Http1OutputProducer(PipeWriter output, ConnectionSettings settings, RequestHead head, ConnectionReuse reuse, ConnectionTimer timer, RequestTelemetry telemetry)
    {
        _output = output;
        _settings = settings;
        _head = head;
        _reuse = reuse;
        _timer = timer;
        _telemetry = telemetry;
    }

    /// <summary>The cycle whose responses this producer frames (one per connection, set once).</summary>
    public RequestCycle Cycle
    {
        set => _cycle = value;
    }

    /// <summary>Whether a completed response waits in the output for the next flush.</summary>
    public bool FlushPending => _flushPending;

    /// <summary>Largest size hint asked of the pipe: Kestrel's pool blocks are 4 KiB, and a larger hint gets an unpooled array.</summary>
    private const int MaxSpanHint = 4096;

    /// <summary>Bodies larger than this are written and flushed in slices so the output pipe never holds a whole large body.</summary>
    private const int WriteSliceSize = 64 * 1024;

    /// <summary>Past this much unflushed output a completed response is flushed at once.</summary>
    private const int MaxPendingOutput = 64 * 1024;

    public bool TryEnterWrite() => _gate.TryEnter();

    public ValueTask EnterWriteAsync() => _gate.EnterAsync();

    public void ExitWrite() => _gate.Exit();

    /// <summary>
    /// Starts a write to the output: in the parked memory when the new bytes (about <paramref name="sizeHint"/>) fit
    /// after the parked ones, so pipelined responses cost one pipe advance per batch instead of one each (every
    /// advance takes the pipe's lock); otherwise the parked bytes are committed first and new memory is taken.
    /// Everything that writes, flushes or completes the output goes through here or <see cref="CommitParkedOutput"/>
    /// first: until it is advanced, the pipe hands out the same memory again.
    /// </summary>
    private BufferedOutput OpenOutput(int sizeHint)
    {
        if (_parkedBytes > 0)
        {
            if (_parked.Length - _parkedBytes >= sizeHint)
            {
                return new BufferedOutput(_output, _parked.Span, _parkedBytes);
            }

            CommitParkedOutput();
        }

        _parked = _output.GetMemory(sizeHint);
        return new BufferedOutput(_output, _parked.Span, 0);
    }

    /// <summary>Ends a write without advancing the pipe when it stayed in the parked memory (the flush commits it).</summary>
    private void ParkOutput(ref BufferedOutput output)
    {
        _parkedBytes = output.TryPark(out var buffered) ? buffered : 0;
    }

    /// <summary>Ends a write by advancing the pipe past it (and past the parked bytes it continued).</summary>
    private void CommitOutput(ref BufferedOutput output)
    {
        output.Commit();
        _parkedBytes = 0;
    }

    /// <summary>Advances the pipe past the parked bytes, if any.</summary>
    private void CommitParkedOutput()
    {
        if (_parkedBytes > 0)
        {
            _output.Advance(_parkedBytes);
            _parkedBytes = 0;
        }
    }

    /// <summary>
    /// Whether a written piece is flushed now: an empty piece in the middle of a stream puts nothing on the wire
    /// (unless the head was just written: the client should see it); the last piece of a keep-alive response waits
    /// for the next flush, so pipelined responses go out together (see <see cref="FlushPendingAsync"/> for when).
    /// </summary>
    private ValueTask FinishPiece(bool wroteBody, bool last, bool flushEmpty)
    {
        if (!last && !wroteBody && !flushEmpty)
        {
            return default;
        }

        if (last && _reuse.KeepAlive && !ShouldFlushNow)
        {
            _flushPending = true;
            return default;
        }

        return FlushAsync();
    }

    private bool ShouldFlushNow => !_output.CanGetUnflushedBytes || _output.UnflushedBytes > MaxPendingOutput;

    /// <summary>
    /// Flushes a completed response whose flush was deferred. Called before the connection waits for input (the
    /// client may be waiting for this response before it sends more) and before an application call goes
    /// asynchronous (it may take a while). Pipelined requests whose applications answer synchronously therefore
    /// share one flush, like the raw handler's one flush per read batch.
    /// </summary>
    /// <remarks>
    /// Synchronous when the gate is free and the flush completes at once (every keep-alive request, before its
    /// wait for the next one); a transport error is swallowed here, since the client is gone and the next read sees it.
    /// </remarks>
    public ValueTask FlushPendingAsync()
    {
        if (!_flushPending)
        {
            return default;
        }

        return _gate.TryEnter() ? FlushPendingHoldingGate() : FlushPendingAfterGateAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushPendingAfterGateAsync()
    {
        await _gate.EnterAsync().ConfigureAwait(false);
        await FlushPendingHoldingGate().ConfigureAwait(false);
    }

    /// <summary>Flushes the pending response (if a writer did not already) with the write gate held, and leaves the gate.</summary>
    private ValueTask FlushPendingHoldingGate()
    {
        ValueTask<FlushResult> flush;
        try
        {
            if (!_flushPending)
            {
                _gate.Exit();
                return default;
            }

            _flushPending = false;
            flush = FlushOutputAsync();
        }
        catch (Exception ex) when (TransportErrors.Is(ex))
        {
            _gate.Exit();
            return default;
        }
        catch
        {
            _gate.Exit();
            throw;
        }

        if (flush.IsCompletedSuccessfully)
        {
            _gate.Exit();
            return default;
        }

        return EndFlushPendingAsync(flush);
    }

    /// <summary>Waits for a pending-response flush with the gate held, then leaves the gate.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask EndFlushPendingAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush.ConfigureAwait(false);
        }
        catch (Exception ex) when (TransportErrors.Is(ex))
        {
            // The client is gone; the next read sees it.
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>Flushes what is written; a transport that is gone is the client leaving (raised while the response is incomplete).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAsync()
    {
        _flushPending = false;
        FlushResult result;
        try
        {
            result = await FlushOutputAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (TransportErrors.Is(ex))
        {
            _cycle.MarkClientGone();
            throw new ClientDisconnectedException("The client disconnected while the response was being sent.", ex);
        }

        if (result.IsCompleted || result.IsCanceled)
        {
            _cycle.MarkClientGone();
            if (!_cycle.IsComplete)
            {
                throw new ClientDisconnectedException();
            }
        }
    }

    /// <summary>Flushes the output (parked response bytes included); a flush that has to wait for the client runs under the send deadline.</summary>
    private ValueTask<FlushResult> FlushOutputAsync()
    {
        CommitParkedOutput();
        var bytes = _timer.SendRate is not null && _output.CanGetUnflushedBytes ? _output.UnflushedBytes : 0;
        return SendDeadline.Guard(_timer, _output.FlushAsync(), bytes);
    }

    /// <summary>Completes the output: what was written (parked bytes included) is delivered, then the transport closes.</summary>
    public ValueTask CompleteAsync()
    {
        CommitParkedOutput();
        return _output.CompleteAsync();
    }

    public void Dispose() => _gate.Dispose();
}
