using System.Buffers;
using System.IO.Pipelines;
using AsgiBridge.Cycle;
using AsgiBridge.Infrastructure;
using System.Runtime.CompilerServices;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection : IRequestBodySource
{
    /// <summary>The most body bytes handed to the application in one <c>http.request</c> event.</summary>
    private const int MaxBodyEventSize = 1024 * 1024;

    bool IRequestBodySource.IsComplete => _bodyComplete;

    /// <summary>
    /// The next piece for an <c>http.request</c> event: 100 Continue first when the client waits for it, then a read
    /// by the body's framing. A framing error or limit is answered here (if no response head is on the wire yet); it
    /// and a client that left are <c>http.disconnect</c> to the application.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    async ValueTask<RequestBodyRead> IRequestBodySource.ReadAsync()
    {
        try
        {
            if (_head.Expect100Continue && !_sent100 && !_head.IsHttp10 && !_cycle.HeadWritten)
            {
                await WriteContinueAsync().ConfigureAwait(false);
            }

            return await ReadBodyChunkAsync(copy: true).ConfigureAwait(false);
        }
        catch (BadRequestException ex)
        {
            // A framing error or limit in the body: answer it if the response has not started, then close.
            _cycle.MarkClientGone();
            _keepAlive = false;
            await TryWriteRejectionWhileRunningAsync(ex.Reason).ConfigureAwait(false);
            return new RequestBodyRead(null, Gone: true);
        }
        catch (Exception ex) when (IsTransportError(ex) || ex is ClientDisconnectedException)
        {
            // A reset or abort while reading the body is the client leaving: ASGI says http.disconnect.
            _cycle.MarkClientGone();
            _keepAlive = false;
            return new RequestBodyRead(null, Gone: true);
        }
    }

    /// <summary>
    /// Reads the next piece of the request body by its framing. Gone means the client left, or the body stalled
    /// past the timeout (then 408 is answered if possible). With <paramref name="copy"/> false the bytes are skipped.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RequestBodyRead> ReadBodyChunkAsync(bool copy)
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
                    _cycle.MarkClientGone();
                    _keepAlive = false;
                    var reason = _bodyTooSlow ? RequestRejection.RequestBodyTooSlow : RequestRejection.RequestBodyTimeout;
                    Diagnostics.Log.BadRequest(_logger, _context.ConnectionId, 408, RequestRejections.Message(reason));
                    await TryWriteRejectionWhileRunningAsync(reason).ConfigureAwait(false);
                    return new RequestBodyRead(null, Gone: true);
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
                        return new RequestBodyRead(data, Gone: false);
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
                        return new RequestBodyRead(bytes, Gone: false);
                    }

                    _input.AdvanceTo(reader.Position, buffer.End);
                }

                if (result.IsCompleted)
                {
                    // The client ended the connection before the whole body arrived.
                    _cycle.MarkClientGone();
                    _keepAlive = false;
                    return new RequestBodyRead(null, Gone: true);
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
}
