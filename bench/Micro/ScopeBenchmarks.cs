using System.Buffers;
using AsgiBridge.Http1;
using AsgiBridge.Proxy;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Benchmarks;

/// <summary>
/// Building the ASGI scope from a parsed head with <see cref="ScopeBuilder.Build"/>, the code the connection uses
/// (the arena's one exact-size copy, the <see cref="AsgiHeader"/> array over it, the typed scope properties,
/// <see cref="PathDecoder.Decode"/> and the lazy lifespan-state source). The untrusted rows are what a connection
/// whose peer is not in <c>Asgi:ForwardedAllowIps</c> does; the trusted rows what one from a trusted proxy does (the
/// loopback is trusted by default), with and without forwarding headers.
/// </summary>
[MemoryDiagnoser]
public class ScopeBenchmarks
{
    private readonly RequestHead _browser = new();
    private readonly RequestHead _simple = new();
    private readonly RequestHead _forwarded = new();
    private readonly ConnectionSettings _settings = new(new AsgiServerOptions(), new Hosting.AsgiServerState(Options.Create(new AsgiServerOptions())));

    // What the connection computes once per connection (ConnectionEndpoints.Describe and the TLS check).
    private readonly string _scheme = "http";
    private readonly AsgiEndpoint _client = new("127.0.0.1", 54321);
    private readonly AsgiEndpoint _server = new("127.0.0.1", 8000);
    private readonly ForwardingPolicy _trusted = new(ForwardedAllowList.Parse(ForwardedAllowList.Default), forwardedHost: false, forwardedPrefix: false);

    [GlobalSetup]
    public void Setup()
    {
        Parse(SampleRequests.BrowserGet, _browser);
        Parse(SampleRequests.SimpleGet, _simple);
        Parse(SampleRequests.ForwardedGet, _forwarded);
        if (_browser.Fields.Count != 20 || BrowserGet().Headers.Count != 20 || BrowserGet().Path != "/docs/index.html")
        {
            throw new InvalidOperationException("The browser request did not produce the expected scope.");
        }

        if (ForwardedGetTrusted() is not { Scheme: "https", Client.Host: "203.0.113.7" } || SimpleGetTrusted().Client != _client)
        {
            throw new InvalidOperationException("The forwarded request did not produce the expected scope.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _browser.Dispose();
        _simple.Dispose();
        _forwarded.Dispose();
    }

    [Benchmark(Baseline = true, Description = "scope, simple GET (1 header)")]
    public AsgiScope SimpleGet() => BuildScope(_simple);

    [Benchmark(Description = "scope, browser GET (20 headers)")]
    public AsgiScope BrowserGet() => BuildScope(_browser);

    [Benchmark(Description = "scope, simple GET, trusted peer")]
    public AsgiScope SimpleGetTrusted() => BuildScope(_simple, _trusted);

    [Benchmark(Description = "scope, browser GET, trusted peer")]
    public AsgiScope BrowserGetTrusted() => BuildScope(_browser, _trusted);

    [Benchmark(Description = "scope, GET + X-Forwarded-For/-Proto, trusted peer")]
    public AsgiScope ForwardedGetTrusted() => BuildScope(_forwarded, _trusted);

    private AsgiScope BuildScope(RequestHead head, ForwardingPolicy? forwarding = null) =>
        ScopeBuilder.Build(head, new ScopeBuilder.ConnectionFacts(_scheme, _settings.RootPath, _client, _server, forwarding), _settings.State.StateSource);

    private void Parse(byte[] request, RequestHead head)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(request));
        if (!RequestHeadParser.TryParse(ref reader, head, _settings.Limits))
        {
            throw new InvalidOperationException("A sample request did not parse.");
        }
    }
}
