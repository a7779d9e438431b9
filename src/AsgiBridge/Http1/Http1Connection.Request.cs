using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using Microsoft.AspNetCore.Connections;
using AsgiBridge.WebSocket;
using System.Runtime.CompilerServices;

namespace AsgiBridge.Http1;

internal sealed partial class Http1Connection
{
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
        if (cycle.IsComplete && !cycle.ClientGone && !cycle.IsShort && _reuse.KeepAlive && !cycle.ReceiveInFlight
            && !_reuse.CloseRequested && _body.IsComplete)
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
                await _output.FlushPendingAsync().ConfigureAwait(false);
            }

            await running.ConfigureAwait(false);
        }
        catch (ClientDisconnectedException)
        {
            _cycle.MarkClientGone();
        }
        catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException || (_cycle.ClientGone && TransportErrors.Is(ex)))
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

            await _output.WriteStandInAsync(ServerAnswer.InternalServerError).ConfigureAwait(false);
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

        if (!_reuse.KeepAlive || _cycle.ReceiveInFlight || _reuse.CloseRequested)
        {
            return false;
        }

        if (!_body.IsComplete)
        {
            // RFC 9110 §10.1.1: when 100 Continue was never sent the client may not send the body at all;
            // closing is the only way to stay in sync.
            if (_head.Expect100Continue && !_body.Sent100)
            {
                return false;
            }

            return await _body.DrainAsync().ConfigureAwait(false);
        }

        return true;
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
