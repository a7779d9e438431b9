using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AsgiBridge.Host.Apps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AsgiBridge.Benchmarks;

/// <summary>
/// <c>--live-allocations</c>: bytes allocated per request by a real host (Kestrel sockets, the connection
/// handler, the hello app) in steady state. Measured as the delta of <see cref="GC.GetTotalAllocatedBytes"/>
/// (precise) over 100,000 keep-alive requests, minus what the client threads allocated.
/// </summary>
/// <remarks>
/// The client runs in the same process, so its allocations would count too. It is kept out of the number by
/// construction and by measurement: each connection is driven by one dedicated thread with blocking
/// <see cref="Socket.Send(ReadOnlySpan{byte})"/>/<see cref="Socket.Receive(Span{byte})"/> calls into
/// preallocated buffers (which allocate nothing), and each thread's own allocations over its loop
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) are subtracted from the process-wide delta and printed.
/// Connections are opened and warmed up (10,000 requests) before the measurement, so connection set-up is not
/// counted; what remains is the per-request cost of a long-lived keep-alive connection.
/// </remarks>
internal static class LiveAllocations
{
    private const int WarmupRequests = 10_000;
    private const int MeasuredRequests = 100_000;
    private const int Connections = 4;
    private static readonly TimeSpan s_timeLimit = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.UseAsgi(HelloApp.App, options => options.Lifespan = AsgiLifespanMode.Off);
        await using var host = builder.Build();
        await host.StartAsync();
        var address = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var endPoint = new IPEndPoint(IPAddress.Loopback, new Uri(address).Port);

        var request = SampleRequests.SimpleGet;
        var responseLength = MeasureResponseLength(endPoint, request);
        Console.WriteLine($"Live host {address}, hello app, {request.Length}-byte request, {responseLength}-byte response, {Connections} keep-alive connections.");
        Console.WriteLine($"GC: server={System.Runtime.GCSettings.IsServerGC}, processors={Environment.ProcessorCount}.");

        var failed = false;
        foreach (var depth in new[] { 1, 16 })
        {
            var sockets = new Socket[Connections];
            for (var i = 0; i < sockets.Length; i++)
            {
                sockets[i] = Connect(endPoint);
            }

            try
            {
                var warmup = Drive(sockets, request, responseLength, depth, WarmupRequests);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var run = Drive(sockets, request, responseLength, depth, MeasuredRequests);
                var server = run.ProcessAllocated - run.ClientAllocated;
                var perRequest = (double)server / run.Requests;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"depth {depth,2}: {run.Requests:N0} requests in {run.Elapsed.TotalSeconds:F2} s ({run.Requests / run.Elapsed.TotalSeconds:N0} req/s); " +
                    $"process allocated {run.ProcessAllocated:N0} B, client threads {run.ClientAllocated:N0} B => " +
                    $"{perRequest:F1} B/request on the server (warm-up: {warmup.Requests:N0} requests)"));
                failed |= run.Requests < MeasuredRequests;
            }
            finally
            {
                foreach (var socket in sockets)
                {
                    socket.Dispose();
                }
            }
        }

        await host.StopAsync();
        return failed ? 1 : 0;
    }

    private readonly record struct RunResult(long Requests, long ProcessAllocated, long ClientAllocated, TimeSpan Elapsed);

    /// <summary>Sends <paramref name="total"/> requests spread over the sockets, <paramref name="depth"/> per write.</summary>
    private static RunResult Drive(Socket[] sockets, byte[] request, int responseLength, int depth, int total)
    {
        var batch = SampleRequests.Repeat(request, depth);
        var done = new long[sockets.Length];
        var clientAllocated = new long[sockets.Length];
        var errors = new Exception?[sockets.Length];
        using var start = new ManualResetEventSlim();
        var threads = new Thread[sockets.Length];
        var deadline = Stopwatch.GetTimestamp() + (long)(s_timeLimit.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < sockets.Length; i++)
        {
            var index = i;
            var quota = (total / sockets.Length) + (i < total % sockets.Length ? 1 : 0);
            var receive = new byte[responseLength * depth];
            threads[i] = new Thread(() =>
            {
                start.Wait();
                var before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    done[index] = Client(sockets[index], batch, request.Length, receive, responseLength, quota, depth, deadline);
                }
                catch (Exception ex) when (ex is SocketException or IOException)
                {
                    errors[index] = ex;
                }

                clientAllocated[index] = GC.GetAllocatedBytesForCurrentThread() - before;
            })
            { IsBackground = true, Name = $"client {i}" };
            threads[i].Start();
        }

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        start.Set();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        foreach (var error in errors)
        {
            if (error is not null)
            {
                throw new InvalidOperationException("A client connection failed.", error);
            }
        }

        return new RunResult(done.Sum(), allocatedAfter - allocatedBefore, clientAllocated.Sum(), elapsed);
    }

    /// <summary>One connection's loop: write a batch, read exactly its responses, until the quota or the deadline.</summary>
    private static long Client(Socket socket, byte[] batch, int requestLength, byte[] receive, int responseLength, int quota, int depth, long deadline)
    {
        long sent = 0;
        while (sent < quota && Stopwatch.GetTimestamp() < deadline)
        {
            var count = (int)Math.Min(depth, quota - sent);
            socket.Send(batch.AsSpan(0, count * requestLength));
            var expected = count * responseLength;
            var received = 0;
            while (received < expected)
            {
                var n = socket.Receive(receive.AsSpan(received, expected - received));
                if (n == 0)
                {
                    throw new IOException("The server closed the connection.");
                }

                received += n;
            }

            sent += count;
        }

        return sent;
    }

    private static Socket Connect(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10_000, SendTimeout = 10_000 };
        socket.Connect(endPoint);
        return socket;
    }

    /// <summary>The hello response has a fixed length (the date header is IMF-fixdate); read one to learn it.</summary>
    private static int MeasureResponseLength(IPEndPoint endPoint, byte[] request)
    {
        using var socket = Connect(endPoint);
        socket.Send(request);
        var buffer = new byte[4096];
        var length = 0;
        while (true)
        {
            var n = socket.Receive(buffer.AsSpan(length));
            if (n == 0)
            {
                throw new IOException("The server closed the connection.");
            }

            length += n;
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd < 0)
            {
                continue;
            }

            const string Marker = "content-length: ";
            var at = text.IndexOf(Marker, StringComparison.OrdinalIgnoreCase);
            var lineEnd = text.IndexOf("\r\n", at, StringComparison.Ordinal);
            var bodyLength = int.Parse(text.AsSpan(at + Marker.Length, lineEnd - at - Marker.Length), CultureInfo.InvariantCulture);
            var total = headEnd + 4 + bodyLength;
            if (length >= total)
            {
                return total;
            }
        }
    }
}
