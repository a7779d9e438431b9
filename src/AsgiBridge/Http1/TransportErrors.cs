using Microsoft.AspNetCore.Connections;

namespace AsgiBridge.Http1;

/// <summary>The exceptions that mean the transport under the connection failed or went away (not a bug of ours or the app's).</summary>
internal static class TransportErrors
{
    public static bool Is(Exception ex) =>
        ex is ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException or ObjectDisposedException;
}
