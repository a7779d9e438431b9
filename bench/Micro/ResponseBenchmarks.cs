using System.Buffers;
using AsgiBridge.Host.Apps;
using AsgiBridge.Http1;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Benchmarks;

/// <summary>
/// The whole request cycle of the hello app on one live <see cref="Http1Connection"/> over in-memory pipes:
/// parse, scope, application, response head and body, flush, and the wait for the next request. Each operation
/// writes request bytes into the connection's input and reads every response byte back, so the numbers are per
/// request (the pipelined benchmark divides by its 16 requests). Allocations are the server's and the app's
/// (HelloApp allocates its two events per request); the client side uses synchronous pipe calls that allocate nothing.
/// The connection's peer is the loopback, which <c>Asgi:ForwardedAllowIps</c> trusts by default, so these requests take
/// the trusted-proxy path (a check for forwarding headers); the untrusted row is the same cycle from a peer that is not trusted.
/// </summary>
[MemoryDiagnoser]
public class ResponseBenchmarks
{
    private const int PipelineDepth = 16;

    private InMemoryConnection _connection = null!;
    private Http1Connection _http = null!;
    private Task _processing = null!;
    private byte[] _pipelined = null!;
    private long _responseLength;

    private InMemoryConnection _untrustedConnection = null!;
    private Http1Connection _untrustedHttp = null!;
    private Task _untrustedProcessing = null!;

    private InMemoryConnection _rawConnection = null!;
    private Task _rawProcessing = null!;
    private long _rawResponseLength;

    [GlobalSetup]
    public void Setup()
    {
        var options = new AsgiServerOptions();
        var settings = new ConnectionSettings(options, new Hosting.AsgiServerState(Options.Create(options)));
        _connection = new InMemoryConnection(inline: true, silentHeartbeat: true);
        _http = new Http1Connection(_connection, HelloApp.App, settings, NullLogger.Instance);
        _processing = _http.ProcessAsync();
        _pipelined = SampleRequests.Repeat(SampleRequests.SimpleGet, PipelineDepth);

        // The response has a fixed length (the date header is IMF-fixdate, always 29 characters): learn it once.
        Write(SampleRequests.SimpleGet);
        var response = ReadAvailable();
        if (!response.StartsWith("HTTP/1.1 200 OK\r\n", StringComparison.Ordinal) || !response.EndsWith("\r\n\r\nHello, World!", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected response: {response}");
        }

        _responseLength = response.Length;

        _untrustedConnection = new InMemoryConnection(inline: true, silentHeartbeat: true) { RemoteEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("203.0.113.7"), 54321) };
        _untrustedHttp = new Http1Connection(_untrustedConnection, HelloApp.App, settings, NullLogger.Instance);
        _untrustedProcessing = _untrustedHttp.ProcessAsync();
        Write(_untrustedConnection, SampleRequests.SimpleGet);
        if (ReadAvailable(_untrustedConnection).Length != _responseLength)
        {
            throw new InvalidOperationException("The untrusted connection answered differently.");
        }

        // The floor: the load benchmark's raw handler (find the blank line, copy a fixed response) on the same pipes.
        _rawConnection = new InMemoryConnection(inline: true, silentHeartbeat: true);
        _rawProcessing = new Bench.RefServers.RawHttpHandler().OnConnectedAsync(_rawConnection);
        Write(_rawConnection, SampleRequests.SimpleGet);
        _rawResponseLength = ReadAvailable(_rawConnection).Length;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.ClientInput.Complete();
        _processing.GetAwaiter().GetResult();
        _connection.ClientOutput.Complete();
        _http.Dispose();
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();

        _untrustedConnection.ClientInput.Complete();
        _untrustedProcessing.GetAwaiter().GetResult();
        _untrustedConnection.ClientOutput.Complete();
        _untrustedHttp.Dispose();
        _untrustedConnection.DisposeAsync().AsTask().GetAwaiter().GetResult();

        _rawConnection.ClientInput.Complete();
        _rawProcessing.GetAwaiter().GetResult();
        _rawConnection.ClientOutput.Complete();
        _rawConnection.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "hello, keep-alive (1 request)")]
    public long KeepAlive()
    {
        Write(SampleRequests.SimpleGet);
        return Drain(_responseLength);
    }

    [Benchmark(OperationsPerInvoke = PipelineDepth, Description = "hello, 16 pipelined (per request)")]
    public long Pipelined()
    {
        Write(_pipelined);
        return Drain(_responseLength * PipelineDepth);
    }

    [Benchmark(OperationsPerInvoke = PipelineDepth, Description = "hello, 16 pipelined, untrusted peer (per request)")]
    public long PipelinedUntrusted()
    {
        Write(_untrustedConnection, _pipelined);
        return Drain(_untrustedConnection, _responseLength * PipelineDepth);
    }

    [Benchmark(Description = "raw handler floor, keep-alive (1 request)")]
    public long RawKeepAlive()
    {
        Write(_rawConnection, SampleRequests.SimpleGet);
        return Drain(_rawConnection, _rawResponseLength);
    }

    [Benchmark(OperationsPerInvoke = PipelineDepth, Description = "raw handler floor, 16 pipelined (per request)")]
    public long RawPipelined()
    {
        Write(_rawConnection, _pipelined);
        return Drain(_rawConnection, _rawResponseLength * PipelineDepth);
    }

    private void Write(byte[] request) => Write(_connection, request);

    private long Drain(long expected) => Drain(_connection, expected);

    private string ReadAvailable() => ReadAvailable(_connection);

    private static void Write(InMemoryConnection connection, byte[] request)
    {
        var writer = connection.ClientInput;
        writer.Write(request);
        var flush = writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            flush.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Reads and discards exactly <paramref name="expected"/> response bytes.</summary>
    private static long Drain(InMemoryConnection connection, long expected)
    {
        var reader = connection.ClientOutput;
        var remaining = expected;
        while (remaining > 0)
        {
            // With inline schedulers the responses are already in the pipe; the blocking read is a safety net.
            if (!reader.TryRead(out var result))
            {
                result = reader.ReadAsync().AsTask().GetAwaiter().GetResult();
            }

            var buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                throw new InvalidOperationException("The connection closed.");
            }

            var take = Math.Min(buffer.Length, remaining);
            reader.AdvanceTo(buffer.GetPosition(take));
            remaining -= take;
        }

        return expected;
    }

    private static string ReadAvailable(InMemoryConnection connection)
    {
        var reader = connection.ClientOutput;
        if (!reader.TryRead(out var result))
        {
            throw new InvalidOperationException("The connection did not answer synchronously.");
        }

        var text = System.Text.Encoding.ASCII.GetString(result.Buffer.ToArray());
        reader.AdvanceTo(result.Buffer.End);
        return text;
    }
}
