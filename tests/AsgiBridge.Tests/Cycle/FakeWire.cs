using AsgiBridge.Cycle;
using AsgiBridge.Infrastructure;
using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.Tests.Cycle;

/// <summary>
/// An <see cref="IResponseWire"/> that records what the cycle hands it (and the cycle's state at that moment), with a
/// real gate so a test can hold it; its writes complete at once unless <see cref="PendingWrite"/> is set.
/// </summary>
internal sealed class FakeWire : IResponseWire, IDisposable
{
    private readonly AsyncGate _gate = new();

    public RequestCycle Cycle { get; set; } = null!;

    public List<string> Calls { get; } = [];

    /// <summary>Returned by the next write instead of a completed task.</summary>
    public TaskCompletionSource? PendingWrite { get; set; }

    public bool GateHeld { get; private set; }

    public bool TryEnterWrite()
    {
        var entered = _gate.TryEnter();
        GateHeld |= entered;
        return entered;
    }

    public async ValueTask EnterWriteAsync()
    {
        await _gate.EnterAsync();
        GateHeld = true;
    }

    public void ExitWrite()
    {
        GateHeld = false;
        _gate.Exit();
    }

    public ValueTask WriteHeadAsync(ReadOnlyMemory<byte> body, bool last) =>
        Record($"head {Cycle.Status} {Cycle.BodyKind} cl={Cycle.ComputedContentLength} body={body.Length} last={last} state={Cycle.State}");

    public ValueTask WriteBodyAsync(ReadOnlyMemory<byte> body, bool last) =>
        Record($"body {body.Length} last={last} state={Cycle.State}");

    public ValueTask WriteFileAsync(SafeFileHandle file, long length, string path) =>
        Record($"file {length} {Cycle.BodyKind} cl={Cycle.ComputedContentLength} state={Cycle.State}");

    public ValueTask WriteInformationalAsync(int status, IReadOnlyList<AsgiHeader> headers) =>
        Record($"informational {status} {headers.Count}");

    public ValueTask WriteTrailersAsync(IReadOnlyList<AsgiHeader> trailers) =>
        Record($"trailers {string.Join(",", trailers.Select(t => $"{System.Text.Encoding.ASCII.GetString(t.Name.Span)}={System.Text.Encoding.ASCII.GetString(t.Value.Span)}"))} state={Cycle.State}");

    public void Dispose() => _gate.Dispose();

    private ValueTask Record(string call)
    {
        Assert.True(GateHeld, $"{call}: written without the gate");
        Calls.Add(call);
        if (PendingWrite is { } pending)
        {
            PendingWrite = null;
            return new ValueTask(pending.Task);
        }

        return default;
    }
}

/// <summary>A request body handed out in the pieces a test queues; <see cref="Gone"/> ends it as a client that left.</summary>
internal sealed class QueuedBody : IRequestBodySource
{
    private readonly Queue<byte[]> _pieces = new();
    private TaskCompletionSource<RequestBodyRead>? _waiting;

    public bool IsComplete { get; set; } = true;

    public int Reads { get; private set; }

    /// <summary>A body of these pieces; complete after the last.</summary>
    public static QueuedBody Of(params string[] pieces)
    {
        var body = new QueuedBody { IsComplete = pieces.Length == 0 };
        foreach (var piece in pieces)
        {
            body._pieces.Enqueue(System.Text.Encoding.ASCII.GetBytes(piece));
        }

        return body;
    }

    /// <summary>A body whose next read waits until <see cref="Release"/> or <see cref="Gone"/>.</summary>
    public static QueuedBody Stalled() => new() { IsComplete = false };

    public ValueTask<RequestBodyRead> ReadAsync()
    {
        Reads++;
        if (_pieces.TryDequeue(out var piece))
        {
            IsComplete = _pieces.Count == 0;
            return new ValueTask<RequestBodyRead>(new RequestBodyRead(piece, Gone: false));
        }

        _waiting = new TaskCompletionSource<RequestBodyRead>(TaskCreationOptions.RunContinuationsAsynchronously);
        return new ValueTask<RequestBodyRead>(_waiting.Task);
    }

    public void Release(string piece, bool last)
    {
        IsComplete = last;
        _waiting!.SetResult(new RequestBodyRead(System.Text.Encoding.ASCII.GetBytes(piece), Gone: false));
    }

    public void Gone(RequestCycle cycle)
    {
        cycle.MarkClientGone();
        _waiting!.SetResult(new RequestBodyRead(null, Gone: true));
    }
}
