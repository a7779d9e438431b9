using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using AsgiBridge.Infrastructure;

namespace AsgiBridge.WebSocket;

/// <summary>
/// The message side of an accepted WebSocket, the same on every backend (AsgiBridge's HTTP/1.1 upgrade and
/// <c>HttpContext.WebSockets</c>): whole messages assembled for <c>websocket.receive</c> up to <c>Asgi:WsMaxSize</c>
/// (then 1009), <c>websocket.send</c> under one send lock, our close frame sent once, the peer's close echoed
/// (RFC 6455 §5.5.1), and how the session ended as <c>websocket.disconnect</c>. Framing, masking, control frames and
/// UTF-8 validation are the BCL <see cref="System.Net.WebSockets.WebSocket"/>'s.
/// </summary>
internal sealed class WebSocketMessages : IDisposable
{
    private const int InitialMessageBuffer = 4 * 1024;

    private readonly System.Net.WebSockets.WebSocket _socket;
    private readonly int _maxSize;

    /// <summary>Asgi:MinRequestBodyDataRate applied to a message once its first piece has arrived (null when off or the server applies its own).</summary>
    private readonly Http1.Rates.ReadRateMeter? _messageRate;
    /// <summary>What the client's frames looked like before the BCL read them (AsgiBridge's HTTP/1.1 upgrade only).</summary>
    private readonly ClientFrameGuard? _frames;
    private readonly AsyncGate _sendLock = new();
    private bool _receiveInFlight;
    private bool _codeKept;

    public WebSocketMessages(System.Net.WebSockets.WebSocket socket, int maxSize, Http1.Rates.ReadRateMeter? messageRate = null, ClientFrameGuard? frames = null)
    {
        _socket = socket;
        _maxSize = maxSize;
        _messageRate = messageRate;
        _frames = frames;
    }

    /// <summary>We sent our close frame; the peer's close is still to come.</summary>
    public bool CloseSent { get; private set; }

    /// <summary>The session is over: the peer closed, the protocol failed or the connection dropped.</summary>
    public bool Closed { get; private set; }

    /// <summary>The close code the session ended with: the peer's or ours, 1006 when the connection dropped.</summary>
    public int CloseCode { get; private set; } = 1006;

    public string? CloseReason { get; private set; }

    /// <summary>The next whole message, or <c>websocket.disconnect</c> once the session is over.</summary>
    public ValueTask<IDictionary<string, object?>> ReceiveAsync()
    {
        if (_receiveInFlight)
        {
            ThrowHelper.ThrowProtocol("receive() was called while another receive() for the same WebSocket is still pending.");
        }

        return Closed
            ? new ValueTask<IDictionary<string, object?>>(WebSocketCloseEvent.Disconnect(CloseCode, CloseReason))
            : ReceiveMessageAsync();
    }

    /// <summary>Checks a <c>websocket.send</c>: exactly one of <c>bytes</c> and <c>text</c>.</summary>
    public static void CheckSend(ReadOnlyMemory<byte>? bytes, string? text)
    {
        if (bytes.HasValue == (text is not null))
        {
            ThrowHelper.ThrowProtocol("'websocket.send' event: exactly one of the keys 'bytes' and 'text' must be set.");
        }
    }

    /// <summary>Sends one message (checked with <see cref="CheckSend"/>); raises <see cref="ClientDisconnectedException"/> once closed.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte>? bytes, string? text)
    {
        if (CloseSent || Closed)
        {
            throw new ClientDisconnectedException("The WebSocket is closed.");
        }

        byte[]? rented = null;
        await _sendLock.EnterAsync().ConfigureAwait(false);
        try
        {
            ReadOnlyMemory<byte> payload;
            if (text is not null)
            {
                rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
                payload = rented.AsMemory(0, Encoding.UTF8.GetBytes(text, rented));
            }
            else
            {
                payload = bytes!.Value;
            }

            await _socket.SendAsync(payload, text is null ? WebSocketMessageType.Binary : WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            throw new ClientDisconnectedException("The WebSocket connection is gone.", ex);
        }
        finally
        {
            _sendLock.Exit();
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The application's <c>websocket.close</c>: checked, then our close frame; closing again is harmless.</summary>
    public ValueTask CloseAsync(int code, string? reason)
    {
        if (CloseSent || Closed)
        {
            return default;
        }

        if (!IsValidCloseCode(code))
        {
            ThrowHelper.ThrowProtocol($"'websocket.close' event: key 'code' must be 1000-1003, 1007-1014 or 3000-4999, not {code}.");
        }

        if (reason is not null && Encoding.UTF8.GetByteCount(reason) > 123)
        {
            ThrowHelper.ThrowProtocol("'websocket.close' event: key 'reason' must be at most 123 bytes of UTF-8.");
        }

        return CloseQuietlyAsync(code, reason);
    }

    /// <summary>Sends our close frame (once) and flushes it; the peer's answer arrives through receive.</summary>
    public async ValueTask CloseQuietlyAsync(int code, string? reason = null)
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _sendLock.EnterAsync().ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer is gone; there is no one left to tell.
            }
            finally
            {
                _sendLock.Exit();
            }
        }

        if (!CloseSent && !Closed)
        {
            CloseSent = true;
            CloseCode = code;
            CloseReason = reason;
        }
    }

    /// <summary>
    /// After our close frame, reads and drops what the peer still sends until its close frame arrives, the connection
    /// ends or <paramref name="timeout"/> passes, so the closing handshake completes before TCP closes (RFC 6455
    /// §7.1.1): closing with the peer's frames unread resets the connection, which can destroy our close frame before
    /// the peer reads it (it then sees 1006, not the app's code). uvicorn waits the same way.
    /// </summary>
    public async ValueTask AwaitPeerCloseAsync(TimeSpan timeout)
    {
        if (!CloseSent || Closed || _receiveInFlight)
        {
            return;
        }

        // The session ended with our code (the access log's, the metrics'), whatever the peer answers.
        _codeKept = true;
        try
        {
            await DrainUntilClosedAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The peer never answered: the connection closes anyway (its pending read ends with it).
        }

        async Task DrainUntilClosedAsync()
        {
            while (!Closed)
            {
                await ReceiveMessageAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Assembles the next whole message, enforcing <c>WsMaxSize</c> (1009), and maps a close to websocket.disconnect.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<IDictionary<string, object?>> ReceiveMessageAsync()
    {
        _receiveInFlight = true;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialMessageBuffer);
        try
        {
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

                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // A protocol error (the BCL has already sent the close frame with its code) or a dropped connection.
                    return Finish(_socket.CloseStatus is { } sent ? (int)sent : 1006, null);
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
                    return await OnPeerCloseAsync().ConfigureAwait(false);
                }

                length += result.Count;
                if (length > _maxSize)
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
    private async ValueTask<IDictionary<string, object?>> OnPeerCloseAsync()
    {
        // A close frame without a code is 1005 (RFC 6455 §7.1.5; ASGI's websocket.disconnect, as uvicorn reports it),
        // answered by a close without a code; the BCL would say 1000 and echo 1000.
        var empty = _frames?.EmptyCloseReceived == true;
        var code = !empty && _socket.CloseStatus is { } status ? (int)status : 1005;
        var reason = empty ? null : _socket.CloseStatusDescription;
        if (_socket.State == WebSocketState.CloseReceived)
        {
            await _sendLock.EnterAsync().ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(empty ? WebSocketCloseStatus.Empty : _socket.CloseStatus ?? WebSocketCloseStatus.Empty, reason, CancellationToken.None).ConfigureAwait(false);
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
        Closed = true;
        if (!_codeKept)
        {
            CloseCode = code;
            CloseReason = reason;
        }

        return WebSocketCloseEvent.Disconnect(code, reason);
    }

    private byte[] Grow(byte[] buffer, int length)
    {
        // Never hold more than the limit (plus one byte to detect going over it).
        var size = (int)Math.Min((long)buffer.Length * 2, (long)_maxSize + 1);
        size = Math.Max(size, length + 1);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private static bool IsValidCloseCode(int code) => code is 1000 or (>= 1001 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);

    public void Dispose()
    {
        _socket.Dispose();
        _sendLock.Dispose();
    }
}
