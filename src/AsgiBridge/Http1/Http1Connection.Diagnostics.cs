using System.Buffers;
using System.Runtime.CompilerServices;
using AsgiBridge.Diagnostics;

namespace AsgiBridge.Http1;

/// <summary>
/// Where the request cycle reports to its telemetry (access log, metrics, server span: docs/observability.md).
/// The other files call these at the request's start and end and where it fails; what is recorded is decided in
/// <see cref="RequestTelemetry"/>.
/// </summary>
internal sealed partial class Http1Connection
{
    /// <summary>After a request's cycle: its response is complete (perhaps still unflushed), or it never will be.</summary>
    private void EndRequestTelemetry()
    {
        if (_telemetry.IsRecording)
        {
            _telemetry.End(_cycle.Status, _cycle.BodyBytesOnWire, _cycle.IsComplete, _cycle.ClientGone);
        }
    }

    /// <summary>
    /// The head parser rejected <paramref name="buffer"/>: all of it is consumed, after its first line is kept for the
    /// access log when no request line was complete. Not inlined: the parse that calls it is on every request's path,
    /// and this is the rejection's.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DiscardRejectedInput(in ReadOnlySequence<byte> buffer)
    {
        if (!_head.RequestLineDone)
        {
            _telemetry.KeepRejectedRequestLine(buffer, _settings.Limits.MaxRequestLineSize);
        }

        _input.AdvanceTo(buffer.End);
    }
}
