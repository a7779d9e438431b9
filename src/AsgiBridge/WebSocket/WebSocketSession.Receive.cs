namespace AsgiBridge.WebSocket;

internal sealed partial class WebSocketSession
{
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
            : WaitForDisconnectAsync();
    }

    /// <summary>Before accept (or during an HTTP answer) there is nothing to receive but the end of the connection.</summary>
    private async ValueTask<IDictionary<string, object?>> WaitForDisconnectAsync()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_upgrade.Aborted.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), closed))
        {
            await closed.Task.ConfigureAwait(false);
        }

        _state = SessionState.Closed;
        return WebSocketCloseEvent.Disconnect(1006);
    }
}
