using System.Buffers;
using AsgiBridge.Diagnostics;

namespace AsgiBridge.Http1;

/// <summary>
/// Where the request cycle reports to its telemetry (access log, metrics, server span: docs/observability.md).
/// The other files call these at the request's start and end and where it fails; what is recorded is decided in
/// <see cref="RequestTelemetry"/>.
/// </summary>
internal sealed partial class Http1Connection
{
    private readonly RequestTelemetry _telemetry;

    /// <summary>After a request's cycle: its response is complete (perhaps still unflushed), or it never will be.</summary>
    private void EndRequestTelemetry()
    {
        if (_telemetry.IsRecording)
        {
            _telemetry.End(_status, SuppressBody ? 0 : _responseBytes, _responseComplete, _clientGone);
        }
    }

    /// <summary>The head parser is rejecting input that holds no complete request line: keep that line for the access log.</summary>
    private void KeepRejectedRequestLine(in ReadOnlySequence<byte> buffer)
    {
        if (!_head.RequestLineDone)
        {
            _telemetry.KeepRejectedRequestLine(buffer, _settings.Limits.MaxRequestLineSize);
        }
    }
}
