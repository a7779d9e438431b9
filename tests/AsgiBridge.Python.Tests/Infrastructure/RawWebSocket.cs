using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AsgiBridge.Python.Tests.Infrastructure;

/// <summary>
/// A WebSocket client on a bare socket, for what <see cref="System.Net.WebSockets.ClientWebSocket"/> cannot send: a
/// close frame with no status code, as a browser's <c>close()</c> without arguments sends it.
/// </summary>
internal static class RawWebSocket
{
    /// <summary>Opens a session on <paramref name="path"/>, sends a close frame without a code, returns the payload of the close frame that answers it.</summary>
    public static async Task<byte[]> CloseWithoutCodeAsync(int port, string path)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
        var stream = client.GetStream();
        var handshake = $"GET {path} HTTP/1.1\r\nhost: testserver\r\n" +
                        string.Concat(ServerPair.WebSocketUpgrade.Select(h => $"{h.Item1}: {h.Item2}\r\n")) + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(handshake), cancel.Token);

        var input = new List<byte>();
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(input)) < 0)
        {
            await ReadMoreAsync(stream, input, cancel.Token);
        }

        var head = Encoding.ASCII.GetString([.. input.Take(headEnd)]);
        Assert.StartsWith("HTTP/1.1 101 ", head, StringComparison.Ordinal);
        input.RemoveRange(0, headEnd + 4);

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
