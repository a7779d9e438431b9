using System.Buffers;
using AsgiBridge.Http1;
using BenchmarkDotNet.Attributes;

namespace AsgiBridge.Benchmarks;

/// <summary>
/// The request-head parser over a single-segment buffer, as a whole request arrives in one read. One
/// <see cref="RequestHead"/> and one <see cref="ChunkedDecoder"/> are reused and reset per operation, as
/// <c>Http1Connection</c> does per request.
/// </summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private static readonly Http1Limits s_limits = new ConnectionSettings(new AsgiServerOptions(), NewState()).Limits;

    private readonly RequestHead _head = new();
    private readonly ChunkedDecoder _chunked = new();
    private ReadOnlySequence<byte> _simpleGet;
    private ReadOnlySequence<byte> _browserGet;
    private ReadOnlySequence<byte> _chunkedPost;

    [GlobalSetup]
    public void Setup()
    {
        _simpleGet = new ReadOnlySequence<byte>(SampleRequests.SimpleGet);
        _browserGet = new ReadOnlySequence<byte>(SampleRequests.BrowserGet);
        _chunkedPost = new ReadOnlySequence<byte>(SampleRequests.ChunkedPost);

        // Fail fast if a sample stops parsing (a benchmark of a rejection would be meaningless).
        if (SimpleGet() != SampleRequests.SimpleGet.Length
            || BrowserGet() != SampleRequests.BrowserGet.Length
            || ChunkedPost() != SampleRequests.ChunkedPost.Length)
        {
            throw new InvalidOperationException("A sample request did not parse completely.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _head.Dispose();

    [Benchmark(Baseline = true, Description = "simple GET (1 header)")]
    public long SimpleGet() => ParseHead(_simpleGet);

    [Benchmark(Description = "browser GET (20 headers)")]
    public long BrowserGet() => ParseHead(_browserGet);

    /// <summary>The head, then the <see cref="ChunkedDecoder"/> over the body to the end of the message.</summary>
    [Benchmark(Description = "chunked POST head + body")]
    public long ChunkedPost()
    {
        _head.Reset();
        var reader = new SequenceReader<byte>(_chunkedPost);
        if (!RequestHeadParser.TryParse(ref reader, _head, s_limits) || _head.Framing != BodyFraming.Chunked)
        {
            return -1;
        }

        _chunked.Reset();
        var headerBudget = s_limits.MaxRequestHeadersSize - _head.HeaderBytes;
        var fieldBudget = s_limits.MaxRequestHeaderCount - _head.Fields.Count;
        long data = 0;
        while (!_chunked.IsDone && !reader.End)
        {
            data += _chunked.Decode(ref reader, 1024 * 1024, headerBudget, fieldBudget).Length;
        }

        return data == 29 && _chunked.IsDone ? reader.Consumed : -1;
    }

    private long ParseHead(in ReadOnlySequence<byte> input)
    {
        _head.Reset();
        var reader = new SequenceReader<byte>(input);
        return RequestHeadParser.TryParse(ref reader, _head, s_limits) ? reader.Consumed : -1;
    }

    private static Hosting.AsgiServerState NewState() =>
        new(Microsoft.Extensions.Options.Options.Create(new AsgiServerOptions()));
}
