using System.Net.Sockets;
using System.Text;

namespace AsgiBridge.Tests.Infrastructure;

/// <summary>A raw TCP client for sending exact bytes (malformed requests, pipelining, byte-by-byte delivery).</summary>
public sealed class RawClient : IDisposable
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private readonly List<byte> _received = [];

    private RawClient(Socket socket) => _socket = socket;

    /// <summary>The underlying socket, for tests that need to see resets or half-closes themselves.</summary>
    public Socket Socket => _socket;

    public static Task<RawClient> ConnectAsync(TestServer server) => ConnectAsync(server.EndPoint);

    /// <summary>Connects over TCP (IPv4 or IPv6) or to a unix socket (<see cref="UnixDomainSocketEndPoint"/>).</summary>
    public static async Task<RawClient> ConnectAsync(System.Net.EndPoint endPoint)
    {
        var unix = endPoint is UnixDomainSocketEndPoint;
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, unix ? ProtocolType.Unspecified : ProtocolType.Tcp);
        if (!unix)
        {
            socket.NoDelay = true;
        }

        await socket.ConnectAsync(endPoint);
        return new RawClient(socket);
    }

    public Task SendAsync(string latin1) => SendAsync(Encoding.Latin1.GetBytes(latin1));

    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    /// <summary>Sends the bytes in pieces of <paramref name="pieceSize"/>, each its own TCP write.</summary>
    public async Task SendInPiecesAsync(byte[] bytes, int pieceSize)
    {
        for (var i = 0; i < bytes.Length; i += pieceSize)
        {
            try
            {
                await _socket.SendAsync(bytes.AsMemory(i, Math.Min(pieceSize, bytes.Length - i)), SocketFlags.None);
            }
            catch (SocketException)
            {
                // The server may close after rejecting an early piece: what it answered is what counts.
                return;
            }
        }
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads until the server closes the connection (or the timeout passes) and returns everything read.</summary>
    public async Task<string> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? s_defaultTimeout);
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    break;
                }

                _received.AddRange(buffer.AsSpan(0, read));
            }
        }
        catch (SocketException)
        {
            // A reset after the response: keep what was read.
        }

        return Encoding.Latin1.GetString([.. _received]);
    }

    /// <summary>Whether the server closed the connection (EOF or reset) within the timeout.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    return true;
                }

                _received.AddRange(buffer.AsSpan(0, read));
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Reads until <paramref name="count"/> complete responses have arrived and returns them parsed.</summary>
    public async Task<IReadOnlyList<RawResponse>> ReadResponsesAsync(int count, string? method = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? s_defaultTimeout);
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var parsed = RawResponse.ParseAll([.. _received], method, out _);
            if (parsed.Count >= count)
            {
                return parsed;
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (SocketException)
            {
                read = 0;
            }

            if (read == 0)
            {
                return RawResponse.ParseAll([.. _received], method, out _, atEof: true);
            }

            _received.AddRange(buffer.AsSpan(0, read));
        }
    }

    public async Task<RawResponse> ReadResponseAsync(string? method = null)
    {
        var responses = await ReadResponsesAsync(1, method);
        Assert.NotEmpty(responses);
        return responses[0];
    }

    public void Dispose() => _socket.Dispose();
}
