using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AsgiBridge.Python.Tests.Infrastructure;

/// <summary>
/// A WebSocket client on a bare socket, for what <see cref="System.Net.WebSockets.ClientWebSocket"/> cannot send: a
/// close frame with no status code, as a browser's <c>close()</c> without arguments sends it; messages after the
/// server's close frame has arrived.
/// </summary>
internal static class RawWebSocket
{
    /// <summary>Opens a session on <paramref name="path"/>, sends a close frame without a code, returns the payload of the close frame that answers it.</summary>
    public static async Task<byte[]> CloseWithoutCodeAsync(int port, string path)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        var (stream, input) = await OpenAsync(client, port, path, cancel.Token);

        // FIN + close, masked (a client's frames always are), no payload.
        await stream.WriteAsync(new byte[] { 0x88, 0x80, 0x12, 0x34, 0x56, 0x78 }, cancel.Token);
        while (true)
        {
            while (input.Count < 2 || input.Count < 2 + (input[1] & 0x7F))
            {
                await ReadMoreAsync(stream, input, cancel.Token);
            }

            var opcode = input[0] & 0x0F;
            var length = input[1] & 0x7F; // a server's close frame is short and unmasked
            var payload = input.GetRange(2, length).ToArray();
            input.RemoveRange(0, 2 + length);
            if (opcode == 0x8)
            {
                return payload;
            }
        }
    }

    /// <summary>Connects and completes the handshake on <paramref name="path"/>: the stream, and what arrived after the 101 head.</summary>
    private static async Task<(NetworkStream Stream, List<byte> Input)> OpenAsync(TcpClient client, int port, string path, CancellationToken cancel)
    {
        await client.ConnectAsync(IPAddress.Loopback, port, cancel);
        var stream = client.GetStream();
        var handshake = $"GET {path} HTTP/1.1\r\nhost: testserver\r\n" +
                        string.Concat(ServerPair.WebSocketUpgrade.Select(h => $"{h.Item1}: {h.Item2}\r\n")) + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(handshake), cancel);

        var input = new List<byte>();
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(input)) < 0)
        {
            await ReadMoreAsync(stream, input, cancel);
        }

        Assert.StartsWith("HTTP/1.1 101 ", Encoding.ASCII.GetString([.. input.Take(headEnd)]), StringComparison.Ordinal);
        input.RemoveRange(0, headEnd + 4);
        return (stream, input);
    }

    /// <summary>
    /// Sends <paramref name="trigger"/>, reads up to the server's close frame, then sends twenty more messages (as a client
    /// that has not read the close yet does) and its own close frame, and reads until the server ends the connection.
    /// Returns the server's close payload as <c>code reason</c>, and <c>then eof</c> or <c>then reset</c>.
    /// </summary>
    public static async Task<string> SendAfterServerCloseAsync(int port, string path, string trigger)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        var (stream, input) = await OpenAsync(client, port, path, cancel.Token);
        await stream.WriteAsync(Masked(0x1, Encoding.UTF8.GetBytes(trigger)), cancel.Token);
        string closed;
        while (true)
        {
            while (input.Count < 2 || input.Count < 2 + (input[1] & 0x7F))
            {
                await ReadMoreAsync(stream, input, cancel.Token);
            }

            var opcode = input[0] & 0x0F;
            var length = input[1] & 0x7F;
            var payload = input.GetRange(2, length).ToArray();
            input.RemoveRange(0, 2 + length);
            if (opcode == 0x8)
            {
                closed = payload.Length >= 2 ? $"{(payload[0] << 8) | payload[1]} {Encoding.UTF8.GetString(payload, 2, payload.Length - 2)}" : "no code";
                break;
            }
        }

        try
        {
            for (var i = 0; i < 20; i++)
            {
                await stream.WriteAsync(Masked(0x1, Encoding.UTF8.GetBytes($"{{\"late\": {i}}}")), cancel.Token);
            }

            await stream.WriteAsync(Masked(0x8, [0x03, 0xE8]), cancel.Token);
            var buffer = new byte[4096];
            while (await stream.ReadAsync(buffer, cancel.Token) > 0)
            {
                // Nothing is expected after the close frames; read until the server closes.
            }

            return $"{closed}, then eof";
        }
        catch (IOException)
        {
            return $"{closed}, then reset";
        }
    }

    /// <summary>A client's frame: FIN, the opcode, a short payload masked with a fixed key.</summary>
    private static byte[] Masked(int opcode, byte[] payload)
    {
        byte[] key = [0x12, 0x34, 0x56, 0x78];
        var frame = new byte[6 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        frame[1] = (byte)(0x80 | payload.Length);
        key.CopyTo(frame, 2);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[6 + i] = (byte)(payload[i] ^ key[i % 4]);
        }

        return frame;
    }

    private static int IndexOfHeadEnd(List<byte> input)
    {
        for (var i = 0; i + 3 < input.Count; i++)
        {
            if (input[i] == '\r' && input[i + 1] == '\n' && input[i + 2] == '\r' && input[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }

    private static async Task ReadMoreAsync(NetworkStream stream, List<byte> input, CancellationToken cancel)
    {
        var buffer = new byte[4096];
        var n = await stream.ReadAsync(buffer, cancel);
        if (n == 0)
        {
            throw new EndOfStreamException("The server closed the connection before its close frame.");
        }

        input.AddRange(buffer.AsSpan(0, n));
    }
}
