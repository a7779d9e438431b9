using System.Buffers;
using System.IO.Pipelines;
using AsgiBridge.Infrastructure;
using System.Runtime.CompilerServices;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    /// <summary>The most body bytes handed to the application in one <c>http.request</c> event.</summary>
    private const int MaxBodyEventSize = 1024 * 1024;

    private readonly record struct BodyChunk(byte[]? Data, bool Gone);

    private ValueTask<IDictionary<string, object?>> ReceiveAsync()
    {
        if (_appDone || _clientGone || _responseComplete)
        {
            return new ValueTask<IDictionary<string, object?>>(new HttpDisconnectEvent());
        }

        if (_bodyDelivered)
        {
            return WaitForDisconnectAsync();
        }

        if (_bodyComplete)
        {
            // No body at all (or nothing left after the last piece): the one final, empty http.request.
            _bodyDelivered = true;
            return new ValueTask<IDictionary<string, object?>>(new HttpRequestEvent(ReadOnlyMemory<byte>.Empty, moreBody: false));
        }

        if (_receiveInFlight)
        {
            ThrowHelper.ThrowProtocol("receive() was called while another receive() for the same request is still pending.");
        }

        return ReadRequestEventAsync();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<IDictionary<string, object?>> ReadRequestEventAsync()
    {
        _receiveInFlight = true;
        try
        {
            BodyChunk chunk;
            try
            {
                if (_head.Expect100Continue && !_sent100 && !_head.IsHttp10 && !_headWritten)
                {
                    await WriteContinueAsync().ConfigureAwait(false);
                }

                chunk = await ReadBodyChunkAsync(copy: true).ConfigureAwait(false);
            }
            catch (BadRequestException ex)
            {
                // A framing error or limit in the body: answer it if the response has not started, then close.
                _clientGone = true;
                _keepAlive = false;
                await TryWriteRejectionWhileRunningAsync(ex.Reason).ConfigureAwait(false);
                return new HttpDisconnectEvent();
            }
            catch (Exception ex) when (IsTransportError(ex) || ex is ClientDisconnectedException)
            {
                // A reset or abort while reading the body is the client leaving: ASGI says http.disconnect.
                _clientGone = true;
                _keepAlive = false;
                return new HttpDisconnectEvent();
            }

            if (chunk.Gone)
            {
                return new HttpDisconnectEvent();
            }

            _bodyDelivered = _bodyComplete;
            return new HttpRequestEvent(chunk.Data ?? [], !_bodyComplete);
        }
        finally
        {
            _receiveInFlight = false;
        }
    }

    /// <summary>
    /// Reads the next piece of the request body by its framing. Gone means the client left, or the body stalled
    /// past the timeout (then 408 is answered if possible). With <paramref name="copy"/> false the bytes are skipped.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<BodyChunk> ReadBodyChunkAsync(bool copy)
    {
        SetDeadline(_settings.RequestHeadersTimeoutMs);
        ReleaseHeldInput();
        await FlushPendingAsync().ConfigureAwait(false);
        try
        {
            while (true)
            {
                // Only the time spent waiting here counts against Asgi:MinRequestBodyDataRate (Kestrel's rule):
                // not the time the application spends on what it already received.
                _bodyRate?.StartWait();
                ReadResult result;
                try
                {
                    result = await _input.ReadAsync().ConfigureAwait(false);
                }
                finally
                {
                    _bodyRate?.StopWait();
                }

                var buffer = result.Buffer;
                if (result.IsCanceled && (DeadlinePassed() || _bodyTooSlow))
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    _clientGone = true;
                    _keepAlive = false;
                    var reason = _bodyTooSlow ? RequestRejection.RequestBodyTooSlow : RequestRejection.RequestBodyTimeout;
                    Diagnostics.Log.BadRequest(_logger, _context.ConnectionId, 408, RequestRejections.Message(reason));
                    await TryWriteRejectionWhileRunningAsync(reason).ConfigureAwait(false);
                    return new BodyChunk(null, Gone: true);
                }

                if (_head.Framing == BodyFraming.ContentLength)
                {
                    if (!buffer.IsEmpty)
                    {
                        var take = (int)Math.Min(Math.Min(_bodyRemaining, buffer.Length), MaxBodyEventSize);
                        var data = copy ? buffer.Slice(0, take).ToArray() : null;
                        _input.AdvanceTo(buffer.GetPosition(take));
                        _bodyRemaining -= take;
                        _bodyReceived += take;
                        _bodyRate?.Add(take);
                        _bodyComplete = _bodyRemaining == 0;
                        return new BodyChunk(data, Gone: false);
                    }

                    _input.AdvanceTo(buffer.Start, buffer.End);
                }
                else
                {
                    var reader = new SequenceReader<byte>(buffer);
                    ReadOnlySequence<byte> data;
                    try
                    {
                        var before = reader.Consumed;
                        data = _chunked.Decode(ref reader, MaxBodyEventSize, TrailerBudget, FieldBudget);
                        _bodyReceived += data.Length;
                        _bodyRate?.Add(reader.Consumed - before);
                        if (_bodyReceived > _settings.Limits.MaxRequestBodySize)
                        {
                            ThrowHelper.ThrowBadRequest(RequestRejection.BodyTooLarge);
                        }
                    }
                    catch (BadRequestException)
                    {
                        _input.AdvanceTo(buffer.Start, buffer.End);
                        throw;
                    }

                    if (!data.IsEmpty || _chunked.IsDone)
                    {
                        var bytes = copy && !data.IsEmpty ? data.ToArray() : null;
                        _input.AdvanceTo(reader.Position);
                        _bodyComplete = _chunked.IsDone;
                        return new BodyChunk(bytes, Gone: false);
                    }

                    _input.AdvanceTo(reader.Position, buffer.End);
                }

                if (result.IsCompleted)
                {
                    // The client ended the connection before the whole body arrived.
                    _clientGone = true;
                    _keepAlive = false;
                    return new BodyChunk(null, Gone: true);
                }
            }
        }
        finally
        {
            ClearDeadline();
        }
    }

    private int TrailerBudget => _settings.Limits.MaxRequestHeadersSize - _head.HeaderBytes;

    private int FieldBudget => _settings.Limits.MaxRequestHeaderCount - _head.Fields.Count;

    /// <summary>After the whole body: wait until the response is complete or the client leaves (ASGI http.disconnect).</summary>
    private async ValueTask<IDictionary<string, object?>> WaitForDisconnectAsync()
    {
        // Installed with a compare-exchange: an application may wait in two receives at once; both share one waiter.
        var waiter = Volatile.Read(ref _disconnectWaiter);
        if (waiter is null)
        {
            var created = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiter = Interlocked.CompareExchange(ref _disconnectWaiter, created, null) ?? created;
        }

        // Then published through the state. Either SignalDisconnect's exchange came first (the state says
        // signalled, checked below) or it comes later and sees Waiting, and then the waiter installed before it:
        // the state's single order of atomic operations means the wake-up cannot be lost (no lock).
        Interlocked.CompareExchange(ref _disconnectState, DisconnectWaiting, DisconnectNone);
        if (Volatile.Read(ref _disconnectState) == DisconnectSignalled || _peerClosed || _appDone || _responseComplete || _clientGone)
        {
            waiter.TrySetResult();
        }

        await waiter.Task.ConfigureAwait(false);
        return new HttpDisconnectEvent();
    }

    private const int DisconnectNone = 0;
    private const int DisconnectWaiting = 1;
    private const int DisconnectSignalled = 2;

    /// <summary>
    /// Whether a receive waits for the end of the request (<see cref="DisconnectWaiting"/>) or the end was signalled.
    /// An int rather than the waiter itself: exchanging an int is one instruction, an object reference a runtime call.
    /// </summary>
    private int _disconnectState;

    /// <summary>
    /// Wakes a receive waiting for the end of the request (the caller set the flag that ends the wait). Once
    /// signalled, later calls return at once (the common case: the response completes, then the application returns).
    /// </summary>
    private void SignalDisconnect()
    {
        if (Volatile.Read(ref _disconnectState) == DisconnectSignalled)
        {
            return;
        }

        if (Interlocked.Exchange(ref _disconnectState, DisconnectSignalled) == DisconnectWaiting)
        {
            Volatile.Read(ref _disconnectWaiter)?.TrySetResult();
        }
    }
}
