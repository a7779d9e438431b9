using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using AsgiBridge.Cycle;
using AsgiBridge.Diagnostics;
using AsgiBridge.Hosting;
using AsgiBridge.Http1;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Tests.Http1;

/// <summary>
/// The parts of an HTTP/1.1 connection without its request loop, wired as <c>Http1Connection</c> wires them, over
/// the in-memory pipes of a <see cref="PipeConnection"/>: a request head parsed from text (not read from the pipe),
/// then the output producer, the request body reader, the keep-alive decision and a request cycle for that head.
/// The timer is never started. Date and server headers are off so responses are exact.
/// </summary>
internal sealed class Http1Parts : IAsyncDisposable
{
    private Http1Parts(string head, AsgiServerOptions options)
    {
        options.DateHeader = false;
        options.ServerHeader = false;
        Settings = new ConnectionSettings(options, new AsgiServerState(Options.Create(options)));
        var bytes = Encoding.Latin1.GetBytes(head);
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        Assert.True(RequestHeadParser.TryParse(ref reader, Head, Settings.Limits), "the test's head is incomplete");
        Assert.Equal(bytes.Length, reader.Consumed);

        Telemetry = new RequestTelemetry(Settings.State.Telemetry);
        Reuse = new ConnectionReuse(Head);
        Timer = new ConnectionTimer(Connection, Settings, NullLogger.Instance);
        Output = new Http1OutputProducer(Connection.Transport.Output, Settings, Head, Reuse, Timer, Telemetry);
        Body = new Http1RequestBody(Connection.Transport.Input, Head, Settings, Timer, Output, Reuse, NullLogger.Instance, "test");
        Reuse.Body = Body;
        Cycle = new RequestCycle(Output, Body);
        Output.Cycle = Cycle;
        Body.Cycle = Cycle;
        StartRequest();
    }

    public InMemoryConnection Connection { get; } = new();

    public RequestHead Head { get; } = new();

    public ConnectionSettings Settings { get; }

    public RequestTelemetry Telemetry { get; }

    public ConnectionReuse Reuse { get; }

    public ConnectionTimer Timer { get; }

    public Http1OutputProducer Output { get; }

    public Http1RequestBody Body { get; }

    public RequestCycle Cycle { get; }

    /// <summary>The server side of a request whose head is <paramref name="head"/> (CRLF line ends, ending in an empty line).</summary>
    public static Http1Parts For(string head, AsgiServerOptions? options = null) => new(head, options ?? new AsgiServerOptions());

    /// <summary>A GET with Host, plus these header lines.</summary>
    public static Http1Parts Get(string extraLines = "", string version = "HTTP/1.1", string method = "GET") =>
        For($"{method} / {version}\r\nHost: a\r\n{extraLines}\r\n");

    /// <summary>Starts the request the parts are for (again), as the connection does per request.</summary>
    public void StartRequest()
    {
        Body.StartRequest();
        Reuse.StartRequest();
        Output.StartResponse();
        Cycle.Reset(isHead: Head.Method == "HEAD");
    }

    /// <summary>What the client would send next: body bytes after the head.</summary>
    public async Task SendAsync(string latin1) => await Connection.ClientInput.WriteAsync(Encoding.Latin1.GetBytes(latin1));

    /// <summary>Sends <paramref name="latin1"/> one byte per flush.</summary>
    public async Task SendByteByByteAsync(string latin1)
    {
        foreach (var b in Encoding.Latin1.GetBytes(latin1))
        {
            await Connection.ClientInput.WriteAsync(new[] { b });
        }
    }

    /// <summary>Everything flushed to the client so far (consumed), without waiting.</summary>
    public string Flushed()
    {
        if (!Connection.ClientOutput.TryRead(out var result))
        {
            return "";
        }

        var text = Encoding.Latin1.GetString(result.Buffer.ToArray());
        Connection.ClientOutput.AdvanceTo(result.Buffer.End);
        return text;
    }

    /// <summary>Reads (and consumes, so the writer never waits on backpressure) everything until the output completes.</summary>
    public async Task<string> ReadToEndAsync()
    {
        var text = new StringBuilder();
        while (true)
        {
            var result = await Connection.ClientOutput.ReadAsync();
            text.Append(Encoding.Latin1.GetString(result.Buffer.ToArray()));
            Connection.ClientOutput.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return text.ToString();
            }
        }
    }

    /// <summary>Completes the output (delivering parked bytes) and returns everything not read yet.</summary>
    public async Task<string> CompleteAndReadAsync()
    {
        await Output.CompleteAsync();
        return await Connection.ReadAllOutputAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Output.Dispose();
        Timer.Dispose();
        Telemetry.Dispose();
        Head.Dispose();
        await Connection.DisposeAsync();
    }
}
