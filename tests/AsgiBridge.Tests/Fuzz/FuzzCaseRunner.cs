using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AsgiBridge.Tests.Fuzz;

/// <summary>Sends one case's bytes on a fresh connection and reads until the server ends it or the bound passes.</summary>
internal static class FuzzCaseRunner
{
    private const int MaxReceived = 1 << 20;

    /// <param name="endPoint">The host.</param>
    /// <param name="bytes">What to send.</param>
    /// <param name="splitPoints">Where to cut the bytes into separate writes; empty for one write.</param>
    /// <param name="halfClose">Whether to shut down the sending side after the last byte, as a client that is done.</param>
    /// <param name="bound">How long the server may take to end the connection.</param>
    public static async Task<FuzzOutcome> RunAsync(IPEndPoint endPoint, byte[] bytes, int[] splitPoints, bool halfClose, TimeSpan bound)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(bound);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return new FuzzOutcome([], FuzzEnd.Refused, ex.Message, Stopwatch.GetElapsedTime(started));
        }

        // Read while sending: the server may answer (and stop reading) before the last byte is sent.
        var receiving = ReceiveAsync(socket, timeout.Token);
        await SendAsync(socket, bytes, splitPoints, halfClose, timeout.Token);
        var (received, end) = await receiving;
        var responses = ResponseScanner.Scan(received, out var problem);
        return new FuzzOutcome(responses, end, problem, Stopwatch.GetElapsedTime(started));
    }

    private static async Task SendAsync(Socket socket, byte[] bytes, int[] splitPoints, bool halfClose, CancellationToken cancellation)
    {
        try
        {
            var start = 0;
            foreach (var end in splitPoints.Append(bytes.Length))
            {
                await socket.SendAsync(bytes.AsMemory(start, end - start), SocketFlags.None, cancellation);
                start = end;
            }

            if (halfClose)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The server closed early (after rejecting what it had), or the bound passed: the reading side tells.
        }
    }

    private static async Task<(byte[] Received, FuzzEnd End)> ReceiveAsync(Socket socket, CancellationToken cancellation)
    {
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation);
                if (read == 0)
                {
                    return (received.ToArray(), FuzzEnd.Closed);
                }

                if (received.Length < MaxReceived)
                {
                    received.Write(buffer, 0, read);
                }
            }
        }
        catch (SocketException)
        {
            return (received.ToArray(), FuzzEnd.Reset);
        }
        catch (OperationCanceledException)
        {
            return (received.ToArray(), FuzzEnd.Hung);
        }
    }
}
