using System.Buffers;
using AsgiBridge.Http1;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Benchmarks;

/// <summary>
/// Building the ASGI scope from a parsed head. <c>Http1Connection.BuildScope</c> is private, so
/// <see cref="BuildScope"/> replicates its steps one for one (the arena's one exact-size copy, the
/// <see cref="AsgiHeader"/> array over it with the absolute-form authority rule, the typed scope properties,
/// <see cref="PathDecoder.Decode"/> and the lazy lifespan-state source). Keep the two in step: when BuildScope
/// changes, change this copy.
/// </summary>
[MemoryDiagnoser]
public class ScopeBenchmarks
{
    private readonly RequestHead _browser = new();
    private readonly RequestHead _simple = new();
    private readonly ConnectionSettings _settings = new(new AsgiServerOptions(), new Hosting.AsgiServerState(Options.Create(new AsgiServerOptions())));

    // What the connection computes once per connection (ConnectionEndpoints.Describe and the TLS check).
    private readonly string _scheme = "http";
    private readonly AsgiEndpoint _client = new("127.0.0.1", 54321);
    private readonly AsgiEndpoint _server = new("127.0.0.1", 8000);

    [GlobalSetup]
    public void Setup()
    {
        Parse(SampleRequests.BrowserGet, _browser);
        Parse(SampleRequests.SimpleGet, _simple);
        if (_browser.Fields.Count != 20 || BrowserGet().Headers.Count != 20 || BrowserGet().Path != "/docs/index.html")
        {
            throw new InvalidOperationException("The browser request did not produce the expected scope.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _browser.Dispose();
        _simple.Dispose();
    }

    [Benchmark(Baseline = true, Description = "scope, simple GET (1 header)")]
    public AsgiScope SimpleGet() => BuildScope(_simple);

    [Benchmark(Description = "scope, browser GET (20 headers)")]
    public AsgiScope BrowserGet() => BuildScope(_browser);

    /// <summary>A faithful copy of <c>Http1Connection.BuildScope</c> (src/AsgiBridge/Http1/Http1Connection.Request.cs).</summary>
    private AsgiScope BuildScope(RequestHead head)
    {
        var data = head.Arena.ToArray();
        var fields = head.Fields;
        var headers = new AsgiHeader[fields.Count];
        for (var i = 0; i < headers.Length; i++)
        {
            var field = fields[i];
            var value = i == head.HostFieldIndex && head.AuthorityStart >= 0
                ? data.AsMemory(head.AuthorityStart, head.AuthorityLength)
                : data.AsMemory(field.ValueStart, field.ValueLength);
            headers[i] = new AsgiHeader(data.AsMemory(field.NameStart, field.NameLength), value);
        }

        var rawPath = data.AsMemory(head.RawPathStart, head.RawPathLength);
        var scope = new AsgiScope("http")
        {
            HttpVersion = head.IsHttp10 ? "1.0" : "1.1",
            Method = head.Method,
            Scheme = _scheme,
            Path = PathDecoder.Decode(rawPath.Span),
            RawPath = rawPath,
            QueryString = data.AsMemory(head.QueryStart, head.QueryLength),
            RootPath = _settings.RootPath,
            Headers = headers,
            Client = _client,
            Server = _server,
        };
        scope.SetStateSource(_settings.State.LifespanState);
        return scope;
    }

    private void Parse(byte[] request, RequestHead head)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(request));
        if (!RequestHeadParser.TryParse(ref reader, head, _settings.Limits))
        {
            throw new InvalidOperationException("A sample request did not parse.");
        }
    }
}
