namespace AsgiBridge.WebSocket;

internal sealed partial class WebSocketSession
{
    /// <summary>
    /// Made by a receive the app starts before it has answered the handshake; completed when the socket is accepted or
    /// the connection ends, whichever comes first.
    /// </summary>
    private TaskCompletionSource? _answered;

    private ValueTask<IDictionary<string, object?>> ReceiveAsync()
    {
        if (!_connectDelivered)
        {
            _connectDelivered = true;
            return new ValueTask<IDictionary<string, object?>>(new WebSocketConnectEvent());
        }

        if (_messages is { } messages)
        {
            return messages.ReceiveAsync();
        }

        return _state == SessionState.Closed
            ? new ValueTask<IDictionary<string, object?>>(WebSocketCloseEvent.Disconnect(1006))
            : WaitForAcceptOrDisconnectAsync();
    }

    /// <summary>
    /// Before accept (or during an HTTP answer) there is nothing to receive yet. A receive waiting there gets the first
    /// message once the app accepts, as under uvicorn (its receive waits for the handshake to complete): frameworks
    /// such as Quart read in a task of their own that calls receive() again right after <c>websocket.connect</c>,
    /// before their handler has sent <c>websocket.accept</c>. Otherwise it gets the end of the connection.
    /// </summary>
    private async ValueTask<IDictionary<string, object?>> WaitForAcceptOrDisconnectAsync()
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        answered = Interlocked.CompareExchange(ref _answered, answered, null) ?? answered;
        if (_messages is null)
        {
            using (_upgrade.Aborted.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), answered))
            {
                await answered.Task.ConfigureAwait(false);
            }
        }

        if (_messages is { } messages)
        {
            return await messages.ReceiveAsync().ConfigureAwait(false);
        }

        _state = SessionState.Closed;
        return WebSocketCloseEvent.Disconnect(1006);
    }

    /// <summary>Wakes a receive that was waiting for the accept (<see cref="WaitForAcceptOrDisconnectAsync"/>).</summary>
    private void WakeReceiveAfterAccept() => Interlocked.CompareExchange(ref _answered, null, null)?.TrySetResult();
}
