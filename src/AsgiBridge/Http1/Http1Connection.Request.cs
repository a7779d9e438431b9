using AsgiBridge.Diagnostics;
using Microsoft.AspNetCore.Connections;
using AsgiBridge.WebSocket;
using System.Runtime.CompilerServices;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    private long _bodyRemaining;
    private long _bodyReceived;
    private bool _bodyComplete;
    private bool _sent100;
    private bool _keepAlive;
    private bool _aborted;

    /// <summary>Runs the application for the parsed head. Returns whether the connection can serve another request.</summary>
    private ValueTask<bool> ProcessRequestAsync()
    {
        if (_settings.State.Counting)
        {
            return ProcessAdmittedRequestAsync();
        }

        return WebSocketHandshake.IsWebSocketRequest(_head) ? ProcessWebSocketAsync() : ProcessHttpRequestAsync();
    }

    /// <summary>The request under LimitConcurrency / LimitMaxRequests.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ProcessAdmittedRequestAsync()
    {
        var state = _settings.State;
        var admission = state.TryEnter();
        if (admission == Hosting.Admission.Last)
        {
            _closeRequested = true;
        }
        else if (admission == Hosting.Admission.Refused)
        {
            // uvicorn's --limit-concurrency / --limit-max-requests: refuse rather than queue.
            Log.RequestRefused(_logger, "Asgi:LimitConcurrency or Asgi:LimitMaxRequests reached");
            _telemetry.Refused(_head, _client, "Service Unavailable".Length + 1);
            await WriteErrorResponseAsync(503, "Service Unavailable").ConfigureAwait(false);
            return false;
        }

        try
        {
            return WebSocketHandshake.IsWebSocketRequest(_head)
                ? await ProcessWebSocketAsync().ConfigureAwait(false)
                : await ProcessHttpRequestAsync().ConfigureAwait(false);
        }
        finally
        {
            state.Exit();
        }
    }

    /// <summary>
    /// Runs the application for an HTTP request. When it answers synchronously and cleanly (the usual case for a
    /// pipelined hello) no async state machine runs at all; anything else goes through <see cref="AfterAppAsync"/>.
    /// </summary>
    private ValueTask<bool> ProcessHttpRequestAsync()
    {
        var scope = BuildScope();
        StartRequest();
        _telemetry.Start(scope, _head);

        var running = StartApp(scope);
        if (!running.IsCompletedSuccessfully)
        {
            return AfterAppAsync(scope, running);
        }

        running.GetAwaiter().GetResult();
        var cycle = _cycle;
        cycle.OnAppReturned();
        if (cycle.IsComplete && !cycle.ClientGone && !cycle.IsShort && _keepAlive && !cycle.ReceiveInFlight
            && !_closeRequested && _bodyComplete)
        {
            return new ValueTask<bool>(true);
        }

        return AfterAppAsync(scope, default);
    }

    /// <summary>Calls the application; an exception it throws before returning its task is folded into the task.</summary>
    private ValueTask StartApp(AsgiScope scope)
    {
        try
        {
            return _app(scope, _receive, _send);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
    }

    /// <summary>Waits for the application, then decides what the connection does: keep alive, 500, reset or close.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AfterAppAsync(AsgiScope scope, ValueTask running)
    {
        Exception? failure = null;
        try
        {
            if (!running.IsCompleted)
            {
                // The app is going asynchronous: the previous response must not wait for it.
                await FlushPendingAsync().ConfigureAwait(false);
            }

            await running.ConfigureAwait(false);
        }
        catch (ClientDisconnectedException)
        {
            _cycle.MarkClientGone();
        }
        catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException || (_cycle.ClientGone && IsTransportError(ex)))
        {
            // The transport failed under the app (it awaited something of ours that saw the reset): the client left.
            _cycle.MarkClientGone();
        }
        catch (Exception ex)
        {
            failure = ex;
            _telemetry.Failed(ex);
        }

        _cycle.OnAppReturned();

        if (_cycle.ClientGone)
        {
            if (!_cycle.IsComplete)
            {
                Abort();
            }

            return false;
        }

        if (!_cycle.HeadWritten)
        {
            // Nothing is on the wire yet, even if http.response.start was sent: a clean 500 is still possible.
            if (failure is not null)
            {
                Log.AppFailedBeforeResponse(_logger, scope.Method, scope.Path, failure);
            }
            else
            {
                Log.AppReturnedWithoutResponse(_logger, scope.Method, scope.Path);
            }

            await WriteErrorResponseAsync(500, "Internal Server Error").ConfigureAwait(false);
            return false;
        }

        if (failure is not null || !_cycle.IsComplete)
        {
            // Never let a truncated response look complete: reset the connection.
            if (failure is not null)
            {
                Log.AppFailedAfterResponse(_logger, scope.Method, scope.Path, failure);
            }
            else
            {
                Log.AppReturnedIncompleteResponse(_logger, scope.Method, scope.Path);
            }

            Abort();
            return false;
        }

        if (_cycle.IsShort)
        {
            Log.ContentLengthShort(_logger, scope.Method, scope.Path, _cycle.HeaderInfo.ContentLength, _cycle.BodyBytes);
            return false;
        }

        if (!_keepAlive || _cycle.ReceiveInFlight || _closeRequested)
        {
            return false;
        }

        if (!_bodyComplete)
        {
            // RFC 9110 §10.1.1: when 100 Continue was never sent the client may not send the body at all;
            // closing is the only way to stay in sync.
            if (_head.Expect100Continue && !_sent100)
            {
                return false;
            }

            return await DrainBodyAsync().ConfigureAwait(false);
        }

        return true;
    }

    private AsgiScope BuildScope() =>
        ScopeBuilder.Build(_head, new ScopeBuilder.ConnectionFacts(_scheme, _settings.RootPath, _client, _server, _forwarding, _declared), _settings.State.StateSource);

    private void StartRequest()
    {
        _bodyRemaining = _head.Framing == BodyFraming.ContentLength ? _head.ContentLength : 0;
        _bodyReceived = 0;
        _bodyComplete = _head.Framing == BodyFraming.None;
        _sent100 = false;
        _chunked.Reset();
        if (!_bodyComplete)
        {
            _bodyRate?.Reset();
        }

        // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
        _keepAlive = !_head.ConnectionClose && (!_head.IsHttp10 || _head.ConnectionKeepAlive);
        ResetResponse();
        _cycle.Reset(isHead: _head.Method == "HEAD");
    }

    /// <summary>The most unread request body the server reads and discards to keep a connection alive; past it, it closes.</summary>
    private const long MaxDrainBytes = 1024 * 1024;

    /// <summary>Reads and discards the rest of a body the application did not read, so the next request can be parsed.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> DrainBodyAsync()
    {
        // A large remainder is cheaper to close on than to read (Kestrel likewise bounds its drain).
        if (_head.Framing == BodyFraming.ContentLength && _bodyRemaining > MaxDrainBytes)
        {
            return false;
        }

        var start = _bodyReceived;
        try
        {
            while (!_bodyComplete)
            {
                var result = await ReadBodyChunkAsync(copy: false).ConfigureAwait(false);
                if (result.Gone || _bodyReceived - start > MaxDrainBytes)
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is BadRequestException || IsTransportError(ex))
        {
            // The response is already sent: the only answer left is to close.
            return false;
        }
    }
}
