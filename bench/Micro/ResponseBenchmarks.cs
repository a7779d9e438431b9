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

    [GlobalSetup]
    public void Setup()
    {
        var options = new AsgiServerOptions();
        var settings = new ConnectionSettings(options, new Hosting.AsgiServerState(Options.Create(options)));
        _connection = new InMemoryConnection();
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
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.ClientInput.Complete();
        _processing.GetAwaiter().GetResult();
        _connection.ClientOutput.Complete();
        _http.Dispose();
        _connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
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

    private void Write(byte[] request)
    {
        var writer = _connection.ClientInput;
        writer.Write(request);
        var flush = writer.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
        {
            flush.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Reads and discards exactly <paramref name="expected"/> response bytes.</summary>
    private long Drain(long expected)
    {
        var reader = _connection.ClientOutput;
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

    private string ReadAvailable()
    {
        var reader = _connection.ClientOutput;
        if (!reader.TryRead(out var result))
        {
            throw new InvalidOperationException("The connection did not answer synchronously.");
        }

        var text = System.Text.Encoding.ASCII.GetString(result.Buffer.ToArray());
        reader.AdvanceTo(result.Buffer.End);
        return text;
    }
}
