using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using AsgiBridge.Infrastructure;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Http1;

/// <summary>
/// The request body of the current request, read from the connection's input by its framing (Content-Length or
/// chunked: RFC 9112 §6.3, §7.1) for the request cycle's <c>http.request</c> events, and drained when the
/// application did not read it all. Owns 100 Continue (RFC 9110 §10.1.1), the body's limits and its stall timeout
/// and data rate; a failure is answered through the output producer and ends the request as a client that left.
/// </summary>
internal sealed class Http1RequestBody : IRequestBodySource
{
    /// <summary>The most body bytes handed to the application in one <c>http.request</c> event.</summary>
    private const int MaxBodyEventSize = 1024 * 1024;

    /// <summary>The most unread request body the server reads and discards to keep a connection alive; past it, it closes.</summary>
    public const long MaxDrainBytes = 1024 * 1024;

    private readonly PipeReader _input;
    private readonly RequestHead _head;
    private readonly ConnectionSettings _settings;
    private readonly ConnectionTimer _timer;
    private readonly Http1OutputProducer _output;
    private readonly ConnectionReuse _reuse;
    private readonly ILogger _logger;
    private readonly string _connectionId;
    private readonly ChunkedDecoder _chunked = new();
    private RequestCycle _cycle = null!;

    private long _remaining;
    private long _received;
    private bool _complete;
    private bool _sent100;

    public Http1RequestBody(PipeReader input, RequestHead head, ConnectionSettings settings, ConnectionTimer timer, Http1OutputProducer output, ConnectionReuse reuse, ILogger logger, string connectionId)
    {
        _input = input;
        _head = head;
        _settings = settings;
        _timer = timer;
        _output = output;
        _reuse = reuse;
        _logger = logger;
        _connectionId = connectionId;
    }

    /// <summary>The cycle the body is read for (one per connection, set once).</summary>
    public RequestCycle Cycle
    {
        set => _cycle = value;
    }

    /// <summary>Whether the whole body has been read (true at once for a request without one).</summary>
    public bool IsComplete => _complete;

    /// <summary>Body bytes read so far (decoded, for a chunked body).</summary>
    public long Received => _received;

    /// <summary>Whether 100 Continue was sent for this request.</summary>
    public bool Sent100 => _sent100;

    /// <summary>
    /// <c>Expect: 100-continue</c> was received, 100 Continue was never sent and the body is not read: the client may
    /// never send it, so only closing keeps the connection in step (RFC 9110 §10.1.1).
    /// </summary>
    public bool UninvitedBodyPending => _head.Expect100Continue && !_sent100 && !_complete;

    /// <summary>The unread rest of a Content-Length body is larger than the server drains (Kestrel likewise bounds its drain).</summary>
    public bool TooLargeToDrain => _head.Framing == BodyFraming.ContentLength && _remaining > MaxDrainBytes;

    /// <summary>A request head is parsed: its body, if any, is next on the input.</summary>
    public void StartRequest()
    {
        _remaining = _head.Framing == BodyFraming.ContentLength ? _head.ContentLength : 0;
        _received = 0;
        _complete = _head.Framing == BodyFraming.None;
        _sent100 = false;
        _chunked.Reset();
        if (!_complete)
        {
            _timer.BodyRate?.Reset();
        }
    }

    /// <summary>
    /// The next piece for an <c>http.request</c> event: 100 Continue first when the client waits for it, then a read
    /// by the body's framing. A framing error or limit is answered here (if no response head is on the wire yet); it
    /// and a client that left are <c>http.disconnect</c> to the application.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RequestBodyRead> ReadAsync()
    {
        try
        {
            if (_head.Expect100Continue && !_sent100 && !_head.IsHttp10 && !_cycle.HeadWritten)
            {
                _sent100 = await _output.TryWriteContinueAsync().ConfigureAwait(false);
            }

            return await ReadPieceAsync(copy: true).ConfigureAwait(false);
        }
        catch (BadRequestException ex)
        {
            // A framing error or limit in the body: answer it if the response has not started, then close.
            Fail();
            await _output.TryAnswerWhileRunningAsync(ex.Reason).ConfigureAwait(false);
            return new RequestBodyRead(null, Gone: true);
        }
        catch (Exception ex) when (TransportErrors.Is(ex) || ex is ClientDisconnectedException)
        {
            // A reset or abort while reading the body is the client leaving: ASGI says http.disconnect.
            Fail();
            return new RequestBodyRead(null, Gone: true);
        }
    }

    /// <summary>Reads and discards the rest of a body the application did not read, so the next request can be parsed.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> DrainAsync()
    {
        // A large remainder is cheaper to close on than to read.
        if (TooLargeToDrain)
        {
            return false;
        }

        var start = _received;
        try
        {
            while (!_complete)
            {
                var result = await ReadPieceAsync(copy: false).ConfigureAwait(false);
                if (result.Gone || _received - start > MaxDrainBytes)
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is BadRequestException || TransportErrors.Is(ex))
        {
            // The response is already sent: the only answer left is to close.
            return false;
        }
    }

    /// <summary>The request ends as a client that left: every later send raises, the connection closes.</summary>
    private void Fail()
    {
        _cycle.MarkClientGone();
        _reuse.End(ReuseEnd.BodyFailed);
    }

    /// <summary>
    /// Reads the next piece of the request body by its framing. Gone means the client left, or the body stalled
    /// past the timeout (then 408 is answered if possible). With <paramref name="copy"/> false the bytes are skipped.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<RequestBodyRead> ReadPieceAsync(bool copy)
    {
        _timer.SetDeadline(_settings.RequestHeadersTimeoutMs);
        await _output.FlushPendingAsync().ConfigureAwait(false);
        try
        {
            while (true)
            {
                // Only the time spent waiting here counts against Asgi:MinRequestBodyDataRate (Kestrel's rule):
                // not the time the application spends on what it already received.
                var rate = _timer.BodyRate;
                rate?.StartWait();
                ReadResult result;
                try
                {
                    result = await _input.ReadAsync().ConfigureAwait(false);
                }
                finally
                {
                    rate?.StopWait();
                }

                var buffer = result.Buffer;
                if (result.IsCanceled && (_timer.DeadlinePassed() || _timer.BodyTooSlow))
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                    Fail();
                    var reason = _timer.BodyTooSlow ? RequestRejection.RequestBodyTooSlow : RequestRejection.RequestBodyTimeout;
                    Log.BadRequest(_logger, _connectionId, 408, RequestRejections.Message(reason));
                    await _output.TryAnswerWhileRunningAsync(reason).ConfigureAwait(false);
                    return new RequestBodyRead(null, Gone: true);
                }

                if (_head.Framing == BodyFraming.ContentLength)
                {
                    if (!buffer.IsEmpty)
                    {
                        var take = (int)Math.Min(Math.Min(_remaining, buffer.Length), MaxBodyEventSize);
                        var data = copy ? buffer.Slice(0, take).ToArray() : null;
                        _input.AdvanceTo(buffer.GetPosition(take));
                        _remaining -= take;
                        _received += take;
                        rate?.Add(take);
                        _complete = _remaining == 0;
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
                        _received += data.Length;
                        rate?.Add(reader.Consumed - before);
                        if (_received > _settings.Limits.MaxRequestBodySize)
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
                        _complete = _chunked.IsDone;
                        return new RequestBodyRead(bytes, Gone: false);
                    }

                    _input.AdvanceTo(reader.Position, buffer.End);
                }

                if (result.IsCompleted)
                {
                    // The client ended the connection before the whole body arrived.
                    Fail();
                    return new RequestBodyRead(null, Gone: true);
                }
            }
        }
        finally
        {
            _timer.ClearDeadline();
        }
    }

    /// <summary>Trailer fields share the head's limits (docs/http1.md, "Limits").</summary>
    private int TrailerBudget => _settings.Limits.MaxRequestHeadersSize - _head.HeaderBytes;

    private int FieldBudget => _settings.Limits.MaxRequestHeaderCount - _head.Fields.Count;
}
