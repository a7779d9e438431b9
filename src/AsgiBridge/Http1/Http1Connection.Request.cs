using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using Microsoft.AspNetCore.Connections;
using AsgiBridge.WebSocket;
using System.Runtime.CompilerServices;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
    /// <summary>An HTTP request (not a WebSocket handshake) with no admission to count: <see cref="ProcessAsync"/> runs it inline.</summary>
    private bool IsPlainHttpRequest => !_settings.State.Counting && !WebSocketHandshake.IsWebSocketRequest(_head);

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
            _reuse.RequestClose();
        }
        else if (admission == Hosting.Admission.Refused)
        {
            // uvicorn's --limit-concurrency / --limit-max-requests: refuse rather than queue.
            Log.RequestRefused(_logger, "Asgi:LimitConcurrency or Asgi:LimitMaxRequests reached");
            var answer = ServerAnswer.ServiceUnavailable;
            _telemetry.Refused(_head, _client, answer.Body.Length);
            await _output.WriteStandInAsync(answer).ConfigureAwait(false);
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
    /// Runs the application for an HTTP request (under LimitConcurrency / LimitMaxRequests; otherwise
    /// <see cref="ProcessAsync"/> does the same inline). When it answers synchronously and cleanly no async state
    /// machine runs at all; anything else goes through <see cref="AfterAppAsync"/>.
    /// </summary>
    private ValueTask<bool> ProcessHttpRequestAsync()
    {
        var scope = BeginHttpRequest();
        var running = StartApp(scope);
        if (!running.IsCompletedSuccessfully)
        {
            return AfterAppAsync(scope, running);
        }

        running.GetAwaiter().GetResult();
        return AfterAppReturned(scope, failure: null);
    }

    /// <summary>A plain HTTP request: built into a scope, each part of the connection reset for it.</summary>
    private AsgiScope BeginHttpRequest()
    {
        var scope = BuildScope();
        StartRequest();
        _telemetry.Start(scope, _head);
        return scope;
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

    /// <summary>Waits for the application, then decides what the connection does (<see cref="AfterAppReturned"/>).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> AfterAppAsync(AsgiScope scope, ValueTask running)
    {
        Exception? failure = null;
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

        return await AfterAppReturned(scope, failure).ConfigureAwait(false);
    }

    /// <summary>
    /// What the application's task ended with: the client leaving under it (then null: not the app's fault) or the
    /// app's own failure.
    /// </summary>
    private Exception? AppFault(Exception ex)
    {
        // The transport failed under the app (it awaited something of ours that saw the reset): the client left.
        if (ex is ClientDisconnectedException or ConnectionResetException or ConnectionAbortedException || (_cycle.ClientGone && TransportErrors.Is(ex)))
        {
            _cycle.MarkClientGone();
            return null;
        }

        _telemetry.Failed(ex);
        return ex;
    }

    /// <summary>
    /// The application returned (or failed with <paramref name="failure"/>): decides what the connection does — keep
    /// alive, 500, reset or close. Synchronous unless a 500 is written or an unread body drained.
    /// </summary>
    private ValueTask<bool> AfterAppReturned(AsgiScope scope, Exception? failure)
    {
        var cycle = _cycle;
        cycle.OnAppReturned();
        if (failure is null && cycle.IsComplete && !cycle.ClientGone && !cycle.IsShort && _reuse.KeepAlive && !cycle.ReceiveInFlight
            && !_reuse.CloseRequested && _body.IsComplete)
        {
            return new ValueTask<bool>(true);
        }

        if (cycle.ClientGone)
        {
            if (!cycle.IsComplete)
            {
                Abort();
            }

            return new ValueTask<bool>(false);
        }

        if (!cycle.HeadWritten)
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

            return WriteInternalServerErrorAsync();
        }

        if (failure is not null || !cycle.IsComplete)
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
            return new ValueTask<bool>(false);
        }

        if (cycle.IsShort)
        {
            Log.ContentLengthShort(_logger, scope.Method, scope.Path, cycle.HeaderInfo.ContentLength, cycle.BodyBytes);
            return new ValueTask<bool>(false);
        }

        if (!_reuse.KeepAlive || _reuse.CloseRequested)
        {
            return new ValueTask<bool>(false);
        }

        if (cycle.ReceiveInFlight)
        {
            return AfterReceiveSettledAsync(scope);
        }

        if (_body.IsComplete)
        {
            return new ValueTask<bool>(true);
        }

        // RFC 9110 §10.1.1: when 100 Continue was never sent the client may not send the body at all; closing is
        // the only way to stay in sync. Otherwise the unread body is read and dropped.
        return _head.Expect100Continue && !_body.Sent100 ? new ValueTask<bool>(false) : _body.DrainAsync();
    }

    /// <summary>
    /// The app returned while a <c>receive</c> of its is still reading the body (Starlette's BaseHTTPMiddleware cancels
    /// the task waiting in it when the response is sent): the connection stays reusable, as under uvicorn, once that
    /// read ends (the body's own deadlines bound it); then the rest of the body is drained as for any unread body.
    /// </summary>
    private async ValueTask<bool> AfterReceiveSettledAsync(AsgiScope scope)
    {
        // The response may be parked for the next one: the client may wait for it before it sends the body.
        await _output.FlushPendingAsync().ConfigureAwait(false);
        await _cycle.WhenReceiveSettled().ConfigureAwait(false);
        return await AfterAppReturned(scope, failure: null).ConfigureAwait(false);
    }

    /// <summary>The 500 page in the application's place; the connection closes after it.</summary>
    private async ValueTask<bool> WriteInternalServerErrorAsync()
    {
        await _output.WriteStandInAsync(ServerAnswer.InternalServerError).ConfigureAwait(false);
        return false;
    }

    private AsgiScope BuildScope() =>
        ScopeBuilder.Build(_head, new ScopeBuilder.ConnectionFacts(_scheme, _settings.RootPath, _client, _server, _forwarding, _declared), _settings.State.StateSource);

    /// <summary>A parsed head starts a request: each part forgets the previous one.</summary>
    private void StartRequest()
    {
        _body.StartRequest();
        _reuse.StartRequest();
        _output.StartResponse();
        _cycle.Reset(isHead: _head.Method == "HEAD");
        _cycle.EarlyHintsAllowed = !_head.IsHttp10;
        // Trailer fields travel in the last chunk of a chunked body (RFC 9112 §7.1.2), which HTTP/1.0 does not have.
        _cycle.TrailerSupport = !_head.IsHttp10 && _head.AcceptsTrailers ? TrailerSupport.ChunkedBody : TrailerSupport.None;
    }
}
