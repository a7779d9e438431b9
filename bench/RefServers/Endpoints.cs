using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;

namespace AsgiBridge.Bench.RefServers;

/// <summary>The HttpContext endpoints of the <c>kestrel</c> and <c>kestrel-ws</c> modes.</summary>
internal static class Endpoints
{
    private const int MaxChunks = 100_000;
    private const int MaxChunkSize = 1024 * 1024;
    private static readonly byte[] s_hello = "Hello, World!"u8.ToArray();

    /// <summary>
    /// <c>/stream?chunks=N&amp;size=S</c> streams N writes of S bytes (chunked, like AsgiBridge's demo app);
    /// every other request gets 200 text/plain "Hello, World!" with a Content-Length and a body it never reads
    /// (Kestrel drains it, as AsgiBridge does for an app that does not call receive()).
    /// </summary>
    public static Task HelloOrStreamAsync(HttpContext context)
    {
        if (context.Request.Path == "/stream")
        {
            return StreamAsync(context);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain";
        response.ContentLength = s_hello.Length;
        return response.Body.WriteAsync(s_hello, 0, s_hello.Length);
    }

    /// <summary>Echoes every WebSocket message back with its type until the client closes.</summary>
    public static async Task EchoWebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var aborted = context.RequestAborted;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer.AsMemory(), aborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, aborted);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, aborted);
            }
        }
        catch (WebSocketException)
        {
            // The client went away without a close handshake.
        }
        catch (OperationCanceledException)
        {
            // Kestrel aborted the connection.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task StreamAsync(HttpContext context)
    {
        var chunks = QueryInt(context, "chunks", 10);
        var size = QueryInt(context, "size", 1024);
        var response = context.Response;
        if (chunks is < 0 or > MaxChunks || size is < 0 or > MaxChunkSize)
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        // Like the demo app: one piece allocated per request, one write (and flush) per piece, no Content-Length.
        var piece = new byte[size];
        Array.Fill(piece, (byte)'x');
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/plain; charset=utf-8";
        for (var i = 0; i < chunks; i++)
        {
            await response.Body.WriteAsync(piece, context.RequestAborted);
        }
    }

    private static int QueryInt(HttpContext context, string name, int fallback) =>
        int.TryParse(context.Request.Query[name], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
