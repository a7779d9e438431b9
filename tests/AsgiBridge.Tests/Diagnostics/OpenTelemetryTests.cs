using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text;
using AsgiBridge.Diagnostics;
using AsgiBridge.Http1;
using AsgiBridge.Tests.Http1;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit.Abstractions;

namespace AsgiBridge.Tests.Diagnostics;

/// <summary>
/// The metrics and spans as the OpenTelemetry SDK exports them (in-memory exporters), and what happens when nobody
/// listens. These register process-wide listeners, so they run alone.
/// </summary>
[Collection(GlobalListeners.Name)]
public sealed class OpenTelemetryTests(ITestOutputHelper output)
{
    private static readonly AsgiApp s_app = async (scope, receive, send) =>
    {
        if (scope.Path == "/fault")
        {
            throw new InvalidOperationException("boom");
        }

        await send(new HttpResponseStartEvent(scope.Path == "/missing" ? 404 : 200));
        await send(new HttpResponseBodyEvent("ok"u8.ToArray()));
    };

    [Fact]
    public async Task The_metrics_reach_an_exporter_with_the_conventions_names_units_tags_and_advised_buckets()
    {
        var exported = new List<MetricSnapshot>();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter("AsgiBridge").AddInMemoryExporter(exported).Build();
        await using var server = await TestServer.StartAsync(s_app);
        using (var client = await RawClient.ConnectAsync(server))
        {
            await client.SendAsync("GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /missing HTTP/1.1\r\nHost: x\r\n\r\nGET /fault HTTP/1.1\r\nHost: x\r\n\r\n");
            await client.ReadToEndAsync();
        }

        MetricSnapshot? duration = null;
        await Eventually.TrueAsync(() =>
        {
            exported.Clear();
            provider.ForceFlush();
            duration = exported.FirstOrDefault(m => m.Name == "http.server.request.duration");
            return duration?.MetricPoints.Count == 3;
        });

        foreach (var metric in exported)
        {
            foreach (var point in metric.MetricPoints)
            {
                output.WriteLine($"{metric.Name} [{metric.Unit}] {metric.MetricType}: {Tags(point.Tags)}");
            }
        }

        Assert.Equal("s", duration!.Unit);
        Assert.Equal(MetricType.Histogram, duration.MetricType);
        var points = duration.MetricPoints.ToDictionary(p => (int)Tag(p.Tags, "http.response.status_code")!, p => p);
        Assert.Equal("http.request.method=GET, http.response.status_code=200, network.protocol.version=1.1, url.scheme=http", Tags(points[200].Tags));
        Assert.Equal("http.request.method=GET, http.response.status_code=404, network.protocol.version=1.1, url.scheme=http", Tags(points[404].Tags));
        Assert.Equal("error.type=System.InvalidOperationException, http.request.method=GET, http.response.status_code=500, network.protocol.version=1.1, url.scheme=http", Tags(points[500].Tags));

        var bounds = new List<double>();
        foreach (var bucket in points[200].GetHistogramBuckets())
        {
            bounds.Add(bucket.ExplicitBound);
        }

        Assert.Equal([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, double.PositiveInfinity], bounds);
        Assert.Equal("{request}", exported.Single(m => m.Name == "http.server.active_requests").Unit);
        Assert.Contains(exported, m => m.Name == "asgibridge.connections.open");
    }

    [Fact]
    public async Task A_span_continues_the_incoming_traceparent_and_carries_the_conventions_attributes()
    {
        var spans = new List<Activity>();
        using var provider = Sdk.CreateTracerProviderBuilder().AddSource("AsgiBridge").AddInMemoryExporter(spans).Build();
        Activity? current = null;
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            current = Activity.Current;
            await send(new HttpResponseStartEvent(201));
            await send(new HttpResponseBodyEvent("ok"u8.ToArray()));
        });
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync(
            "GET /orders/7?expand=items HTTP/1.1\r\nHost: shop.example:8080\r\nUser-Agent: test-agent/1.0\r\n" +
            "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\ntracestate: vendor=value\r\n\r\n");
        Assert.Equal(201, (await client.ReadResponseAsync()).Status);

        var span = Assert.Single(await Eventually.ValueAsync(() => spans.Count > 0 ? spans.ToList() : null));
        output.WriteLine($"span '{span.DisplayName}' {span.Kind} trace {span.TraceId} parent {span.ParentSpanId} status {span.Status}: {Tags(span.TagObjects)}");
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", span.TraceId.ToHexString());
        Assert.Equal("b7ad6b7169203331", span.ParentSpanId.ToHexString());
        Assert.Equal("vendor=value", span.TraceStateString);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal("GET", span.DisplayName);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        Assert.Same(span, current); // the application runs inside the span
        var port = ((IPEndPoint)client.Socket.LocalEndPoint!).Port;
        Assert.Equal(
            $"client.address=127.0.0.1, client.port={port}, http.request.method=GET, http.response.status_code=201, network.protocol.version=1.1, " +
            "server.address=shop.example, server.port=8080, url.path=/orders/7, url.query=expand=items, url.scheme=http, user_agent.original=test-agent/1.0",
            Tags(span.TagObjects));
    }

    [Fact]
    public async Task A_failed_request_span_has_status_error_and_error_type()
    {
        var spans = new List<Activity>();
        using var provider = Sdk.CreateTracerProviderBuilder().AddSource("AsgiBridge").AddInMemoryExporter(spans).Build();
        await using var server = await TestServer.StartAsync(s_app);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("BREW /fault HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(500, (await client.ReadResponseAsync()).Status);

        var span = Assert.Single(await Eventually.ValueAsync(() => spans.Count > 0 ? spans.ToList() : null));
        Assert.Equal("HTTP", span.DisplayName);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("_OTHER", span.GetTagItem("http.request.method"));
        Assert.Equal("BREW", span.GetTagItem("http.request.method_original"));
        Assert.Equal(500, span.GetTagItem("http.response.status_code"));
        Assert.Equal("System.InvalidOperationException", span.GetTagItem("error.type"));
        Assert.Equal(default, span.ParentSpanId); // no traceparent: a new trace
    }

    [Fact]
    public async Task No_span_is_made_when_nobody_listens()
    {
        var seen = new List<Activity?>();
        await using var server = await TestServer.StartAsync(async (scope, receive, send) =>
        {
            seen.Add(Activity.Current);
            await send(new HttpResponseStartEvent(200));
            await send(new HttpResponseBodyEvent("ok"u8.ToArray()));
        });

        using (var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "AsgiBridge",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        })
        {
            ActivitySource.AddActivityListener(listener);
            await GetAsync(server);
        }

        Assert.False(AsgiTracing.Source.HasListeners());
        await GetAsync(server);
        Assert.Equal(2, seen.Count);
        Assert.NotNull(seen[0]);
        Assert.Null(seen[1]);
    }

    /// <summary>With the access log filtered out and no listener, a request's telemetry allocates nothing and records nothing.</summary>
    [Fact]
    public void A_request_costs_no_allocation_for_telemetry_when_nothing_listens()
    {
        using var head = new RequestHead();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()));
        Assert.True(RequestHeadParser.TryParse(ref reader, head, ParserHarness.DefaultLimits));
        var scope = ScopeBuilder.Build(head, new ScopeBuilder.ConnectionFacts("http", "", new AsgiEndpoint("127.0.0.1", 5000), null), new Dictionary<string, object?>());

        using var filtered = LoggerFactory.Create(b => b.AddFilter(AccessLog.Category, LogLevel.Warning).AddProvider(new TestLogSink()));
        using var quiet = new RequestTelemetry(new ServerDiagnostics(new AsgiServerOptions(), filtered, meterFactory: null));
        quiet.Start(scope, head);
        Assert.False(quiet.IsRecording);
        quiet.End(200, 2, responseComplete: true, clientGone: false);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            quiet.Start(scope, head);
            quiet.End(200, 2, responseComplete: true, clientGone: false);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        // The same request with the category enabled does record.
        using var shown = LoggerFactory.Create(b => b.AddProvider(new TestLogSink()));
        using var logging = new RequestTelemetry(new ServerDiagnostics(new AsgiServerOptions(), shown, meterFactory: null));
        logging.Start(scope, head);
        Assert.True(logging.IsRecording);
    }

    private static async Task GetAsync(TestServer server)
    {
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
    }

    private static object? Tag(ReadOnlyTagCollection tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }

    private static string Tags(ReadOnlyTagCollection tags)
    {
        var list = new List<KeyValuePair<string, object?>>();
        foreach (var tag in tags)
        {
            list.Add(tag);
        }

        return Tags(list);
    }

    private static string Tags(IEnumerable<KeyValuePair<string, object?>> tags) =>
        string.Join(", ", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
}
