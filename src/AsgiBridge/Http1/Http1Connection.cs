using System.Buffers;
using System.IO.Pipelines;
using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using System.Runtime.CompilerServices;

namespace AsgiBridge.Http1;

/// <summary>
/// One HTTP/1.1 connection: reads request heads, runs the application for each request in turn (pipelined
/// requests are answered in order) and writes its responses. The ASGI side of each request is a
/// <see cref="RequestCycle"/> over the connection's <see cref="Http1OutputProducer"/> (everything written) and
/// <see cref="Http1RequestBody"/>; <see cref="ConnectionReuse"/> decides keep-alive, <see cref="ConnectionTimer"/>
/// holds the deadlines. This file is the request loop and the head wait; <c>.Request</c> runs one request,
/// <c>.Close</c> ends the connection, <c>.WebSocket</c> hands it to a WebSocket session.
/// </summary>
internal sealed partial class Http1Connection : IDisposable
{
    private readonly ConnectionContext _context;
    private readonly PipeReader _input;
    private readonly AsgiApp _app;
    private readonly ConnectionSettings _settings;
    private readonly ILogger _logger;
    private readonly RequestHead _head = new();
    private readonly RequestCycle _cycle;
    private readonly Http1OutputProducer _output;
    private readonly Http1RequestBody _body;
    private readonly ConnectionReuse _reuse;
    private readonly ConnectionTimer _timer;
    private readonly RequestTelemetry _telemetry;
    private readonly AsgiReceive _receive;
    private readonly AsgiSend _send;
    private readonly string _scheme;
    private readonly AsgiEndpoint? _client;
    private readonly AsgiEndpoint? _server;
    private readonly Proxy.ForwardingPolicy? _forwarding;
    private readonly Extensions.ScopeExtensions _declared;

    private volatile bool _peerClosed;
    private bool _rejected;
    private bool _aborted;
    private readonly CancellationTokenRegistration _peerClosedRegistration;
    private readonly CancellationTokenRegistration _closeRequestedRegistration;

    public Http1Connection(ConnectionContext context, AsgiApp app, ConnectionSettings settings, ILogger logger)
    {
        _context = context;
        _input = context.Transport.Input;
        _app = app;
        _settings = settings;
        _logger = logger;
        _scheme = context.Features.Get<ITlsHandshakeFeature>() is null ? "http" : "https";
        _declared = Extensions.ScopeExtensions.ForHttp(Extensions.TlsExtension.From(context.Features));
        (_client, _server) = ConnectionEndpoints.Describe(context);
        _telemetry = new RequestTelemetry(settings.State.Telemetry);

        // The parts of the connection, each with its own state: the keep-alive decision, the deadlines, the writer
        // of everything sent, the request body reader, and the ASGI request cycle over the last two.
        _reuse = new ConnectionReuse(_head);
        _timer = new ConnectionTimer(context, settings, logger);
        _output = new Http1OutputProducer(context.Transport.Output, settings, _head, _reuse, _timer, _telemetry);
        _body = new Http1RequestBody(_input, _head, settings, _timer, _output, _reuse, logger, context.ConnectionId);
        _reuse.Body = _body;
        _cycle = new RequestCycle(_output, _body);
        _output.Cycle = _cycle;
        _body.Cycle = _cycle;
        _receive = _cycle.ReceiveAsync;
        _send = _cycle.SendAsync;

        // Trust is a property of the peer, so it is decided once per connection: requests from an untrusted peer
        // never look at forwarding headers.
        _forwarding = settings.Forwarding is { } forwarding && forwarding.AllowList.IsTrusted(context.RemoteEndPoint) ? forwarding : null;

        _peerClosedRegistration = context.ConnectionClosed.Register(static state => ((Http1Connection)state!).OnPeerClosed(), this);
        if (context.Features.Get<IConnectionLifetimeNotificationFeature>() is { } lifetime)
        {
            _closeRequestedRegistration = lifetime.ConnectionClosedRequested.Register(static state => ((Http1Connection)state!).OnCloseRequested(), this);
        }

        _timer.Start();
    }

    /// <summary>Serves requests until the connection closes.</summary>
    /// <remarks>
    /// The wait for the next head is written out here rather than in a helper method: on a keep-alive connection
    /// that wait is where every request starts, and one state machine resuming is cheaper than two (a helper's
    /// pooled box, its completion, then this method's continuation). <see cref="OnHeadRead"/> does the parsing.
    /// </remarks>
    public async Task ProcessAsync()
    {
        var linger = false;
        try
        {
            while (true)
            {
                _head.Reset();

                // The usual pipelined case: the next head is in the read kept open after the previous request.
                var sawBuffered = _holdingInput;
                if (!sawBuffered || !TryParseHeldInput())
                {
                    BeginHeadWait();
                    var first = true;
                    HeadStep step;
                    do
                    {
                        // A pipelined request already buffered is parsed without flushing the previous response
                        // first; before waiting for the network, the pending response goes out. After the held
                        // read nothing more is buffered, so the pipe is not looked at again before that flush.
                        ReadResult result;
                        if (!first || !_output.FlushPending || sawBuffered || !_input.TryRead(out result))
                        {
                            await _output.FlushPendingAsync().ConfigureAwait(false);
                            result = await _input.ReadAsync().ConfigureAwait(false);
                        }

                        first = false;
                        step = OnHeadRead(result);
                    }
                    while (step == HeadStep.More);

                    if (step == HeadStep.Close)
                    {
                        break;
                    }
                }

                bool keepAlive;
                if (!IsPlainHttpRequest)
                {
                    keepAlive = await ProcessRequestAsync().ConfigureAwait(false);
                }
                else
                {
                    // ProcessHttpRequestAsync written out: an app that answers later (a Python app's task always
                    // does) is awaited by this method's one state machine, not by a new one per request.
                    var scope = BeginHttpRequest();
                    var running = StartApp(scope);
                    Exception? failure = null;
                    if (running.IsCompletedSuccessfully)
                    {
                        running.GetAwaiter().GetResult();
                    }
                    else
                    {
                        try
                        {
                            if (!running.IsCompleted)
                            {
                                // The app is going asynchronous: the previous response must not wait for it.
                                await _output.FlushPendingAsync().ConfigureAwait(false);
                            }

                            await running.ConfigureAwait(false);
                        }
                        catch (Exception ex)
                        {
                            failure = AppFault(ex);
                        }
                    }

                    var after = AfterAppReturned(scope, failure);
                    keepAlive = after.IsCompletedSuccessfully ? after.Result : await after.ConfigureAwait(false);
                }

                EndRequestTelemetry();
                if (!keepAlive)
                {
                    linger = !_aborted;
                    break;
                }
            }
        }
        catch (BadRequestException ex)
        {
            _rejected = true;
            Log.BadRequest(_logger, _context.ConnectionId, ex.StatusCode, ex.Message);
            linger = await _output.TryWriteAnswerAsync(RequestRejections.Answer(ex.Reason)).ConfigureAwait(false);
            _telemetry.HeadRejected(ex.Reason, _head, _client);
        }
        catch (Exception ex) when (TransportErrors.Is(ex))
        {
            Log.ConnectionError(_logger, _context.ConnectionId, ex);
        }
        finally
        {
            _timer.Stop();
            try
            {
                ReleaseHeldInput();
            }
            catch (InvalidOperationException)
            {
                // The input is already unusable; closing must still happen.
            }

            await CloseAsync(linger).ConfigureAwait(false);
        }
    }

    /// <summary>What one pipe read did for the head being read.</summary>
    private enum HeadStep
    {
        /// <summary>The head is incomplete: read again.</summary>
        More,

        /// <summary>The head is parsed.</summary>
        Complete,

        /// <summary>The connection ends quietly (the client left or timed out between requests, or shutdown).</summary>
        Close,
    }

    /// <summary>
    /// Parses the next pipelined request from the held read: synchronous, no pipe call and no deadline (nothing
    /// waits). When the head is not all there, the read is released and the caller reads on.
    /// </summary>
    private bool TryParseHeldInput()
    {
        var buffer = _heldInput;
        _holdingInput = false;
        if (buffer.IsEmpty)
        {
            // The usual end of a batch (and every keep-alive request): the last request took the whole read.
            _input.AdvanceTo(buffer.End);
            return false;
        }

        if (TryParseHead(buffer, out var consumed))
        {
            EndHeadRead(buffer, consumed);
            return true;
        }

        _input.AdvanceTo(consumed, buffer.End);
        return false;
    }

    /// <summary>Whether a byte of the head being read has arrived: the header deadline then replaces the keep-alive one.</summary>
    private bool _headStarted;

    /// <summary>Starts the wait for a head under the keep-alive deadline, or the header deadline once it has begun.</summary>
    private void BeginHeadWait()
    {
        // Lines of this head may already have been consumed from a held read.
        _headStarted = _head.RequestLineDone;
        _timer.SetDeadline(_headStarted ? _settings.RequestHeadersTimeoutMs : _settings.KeepAliveTimeoutMs);
    }

    /// <summary>Handles one read of the head wait: deadlines, shutdown, parsing, and the end of the input.</summary>
    private HeadStep OnHeadRead(in ReadResult result)
    {
        var buffer = result.Buffer;
        if (!_headStarted && !buffer.IsEmpty)
        {
            // The header timeout runs from the first byte and is not reset by later bytes (uvicorn #157).
            _headStarted = true;
            _timer.SetDeadline(_settings.RequestHeadersTimeoutMs);
        }

        if (result.IsCanceled)
        {
            if (_timer.DeadlinePassed())
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (!_headStarted)
                {
                    return HeadStep.Close;
                }

                throw new BadRequestException(RequestRejection.RequestHeadersTimeout);
            }

            if (_reuse.CloseRequested && !_headStarted)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                return HeadStep.Close;
            }
        }

        if (TryParseHead(buffer, out var consumed))
        {
            _timer.ClearDeadline();
            EndHeadRead(buffer, consumed);
            return HeadStep.Complete;
        }

        _input.AdvanceTo(consumed, buffer.End);
        if (result.IsCompleted)
        {
            if (consumed.Equals(buffer.End) && !_head.RequestLineDone)
            {
                return HeadStep.Close;
            }

            throw new BadRequestException(RequestRejection.IncompleteRequest);
        }

        return HeadStep.More;
    }

    /// <summary>
    /// Parses the complete lines of <paramref name="buffer"/> into the head; true once the head is complete. Bad
    /// input consumes the whole buffer before the rejection propagates: nothing after the bad bytes is ever
    /// answered, and the lingering close reads on from there.
    /// </summary>
    private bool TryParseHead(in ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        var reader = new SequenceReader<byte>(buffer);
        try
        {
            var complete = RequestHeadParser.TryParse(ref reader, _head, _settings.Limits);
            consumed = reader.Position;
            return complete;
        }
        catch (BadRequestException)
        {
            DiscardRejectedInput(buffer);
            throw;
        }
    }

    /// <summary>
    /// After a complete head: a request without a body keeps the read open, since nothing but the next head reads
    /// this connection's input before the next head wait; pipelined requests are then parsed from the same
    /// buffer (one pipe read and one AdvanceTo per batch instead of per request).
    /// </summary>
    private void EndHeadRead(in ReadOnlySequence<byte> buffer, SequencePosition consumed)
    {
        if (_head.Framing == BodyFraming.None && !WebSocket.WebSocketHandshake.IsWebSocketRequest(_head))
        {
            _heldInput = buffer.Slice(consumed);
            _holdingInput = true;
        }
        else
        {
            _input.AdvanceTo(consumed);
        }
    }

    /// <summary>The unconsumed rest of the last read, kept open after a request head without a body.</summary>
    private ReadOnlySequence<byte> _heldInput;

    private bool _holdingInput;

    /// <summary>Ends a held read (consuming nothing more) before anything else reads the input.</summary>
    private void ReleaseHeldInput()
    {
        if (_holdingInput)
        {
            _holdingInput = false;
            _input.AdvanceTo(_heldInput.Start);
            _heldInput = default;
        }
    }

    private void OnPeerClosed()
    {
        _peerClosed = true;
        _cycle.OnPeerClosed();
    }

    private void OnCloseRequested()
    {
        _reuse.RequestClose();
        _input.CancelPendingRead();
    }

    public void Dispose()
    {
        _peerClosedRegistration.Dispose();
        _closeRequestedRegistration.Dispose();
        _timer.Dispose();
        _telemetry.Dispose();
        _head.Dispose();
        _output.Dispose();
    }
}
