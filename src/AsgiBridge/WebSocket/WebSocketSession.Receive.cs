using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.WebSocket;

internal sealed partial class WebSocketSession
{
    private const int InitialMessageBuffer = 4 * 1024;
    private bool _receiveInFlight;

    private ValueTask<IDictionary<string, object?>> ReceiveAsync()
    {
        if (!_connectDelivered)
        {
            _connectDelivered = true;
            return new ValueTask<IDictionary<string, object?>>(new WebSocketConnectEvent());
        }

        if (_receiveInFlight)
        {
            ThrowHelper.ThrowProtocol("receive() was called while another receive() for the same WebSocket is still pending.");
        }

        return _state switch
        {
            SessionState.Open or SessionState.CloseSent => ReceiveMessageAsync(),
            SessionState.Closed => new ValueTask<IDictionary<string, object?>>(WebSocketCloseEvent.Disconnect(_closeCode, _closeReason)),
            _ => WaitForDisconnectAsync(),
        };
    }

    /// <summary>Before accept (or during an HTTP answer) there is nothing to receive but the end of the connection.</summary>
    private async ValueTask<IDictionary<string, object?>> WaitForDisconnectAsync()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_context.ConnectionClosed.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), closed))
        {
            await closed.Task.ConfigureAwait(false);
        }

        _state = SessionState.Closed;
        return WebSocketCloseEvent.Disconnect(1006);
    }

    /// <summary>Assembles the next whole message, enforcing <c>WsMaxSize</c> (1009), and maps a close to websocket.disconnect.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<IDictionary<string, object?>> ReceiveMessageAsync()
    {
        _receiveInFlight = true;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialMessageBuffer);
        try
        {
            var socket = _socket!;
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    buffer = Grow(buffer, length);
                }

                ValueWebSocketReceiveResult result;
                var midMessage = length > 0;
                try
                {
                    // Once a message has begun, the wait for the rest counts against the minimum data rate:
                    // an idle WebSocket is fine, a message trickled in frame by frame is not.
                    if (midMessage)
                    {
                        _messageRate?.StartWait();
                    }

                    result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // A protocol error (the BCL has already sent the close frame with its code) or a dropped connection.
                    return Finish(socket.CloseStatus is { } sent ? (int)sent : 1006, null);
                }
                finally
                {
                    if (midMessage)
                    {
                        _messageRate?.StopWait();
                    }
                }

                if (!midMessage && !result.EndOfMessage && result.MessageType != WebSocketMessageType.Close)
                {
                    _messageRate?.Reset();
                }

                _messageRate?.Add(result.Count);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return await OnPeerCloseAsync(socket).ConfigureAwait(false);
                }

                length += result.Count;
                if (length > _settings.WsMaxSize)
                {
                    // RFC 6455 §7.4.1: 1009, the message is too big to process.
                    await CloseQuietlyAsync(1009, "Message too big").ConfigureAwait(false);
                    return Finish(1009, "Message too big");
                }

                if (result.EndOfMessage)
                {
                    return result.MessageType == WebSocketMessageType.Text
                        ? WebSocketMessageEvent.Received(null, Encoding.UTF8.GetString(buffer, 0, length))
                        : WebSocketMessageEvent.Received(buffer.AsSpan(0, length).ToArray(), null);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _receiveInFlight = false;
        }
    }

    /// <summary>The peer closed: answer its close frame (echoing the code, RFC 6455 §5.5.1) and report it.</summary>
    private async ValueTask<IDictionary<string, object?>> OnPeerCloseAsync(System.Net.WebSockets.WebSocket socket)
    {
        var code = socket.CloseStatus is { } status ? (int)status : 1005;
        var reason = socket.CloseStatusDescription;
        if (socket.State == WebSocketState.CloseReceived)
        {
            await _sendLock.EnterAsync().ConfigureAwait(false);
            try
            {
                await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, reason, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer is already gone.
            }
            finally
            {
                _sendLock.Exit();
            }
        }

        return Finish(code, reason);
    }

    private WebSocketCloseEvent Finish(int code, string? reason)
    {
        _state = SessionState.Closed;
        _closeCode = code;
        _closeReason = reason;
        return WebSocketCloseEvent.Disconnect(code, reason);
    }

    private byte[] Grow(byte[] buffer, int length)
    {
        // Never hold more than the limit (plus one byte to detect going over it).
        var size = (int)Math.Min((long)buffer.Length * 2, (long)_settings.WsMaxSize + 1);
        size = Math.Max(size, length + 1);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }
}
