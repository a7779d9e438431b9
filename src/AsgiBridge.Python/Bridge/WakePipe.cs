using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// Writes the byte that wakes the loop: <c>write(2)</c> on the pipe's write end, called directly (.NET's file APIs
/// refuse a pipe for positional writes, and a stream would add a lock and a buffer for one byte). Taken from the
/// process's own symbols, where libc's <c>write</c> always is.
/// </summary>
internal static unsafe class WakePipe
{
    private static readonly delegate* unmanaged<int, byte*, nint, nint> s_write =
        (delegate* unmanaged<int, byte*, nint, nint>)NativeLibrary.GetExport(NativeLibrary.GetMainProgramHandle(), "write");

    public static void Write(SafeFileHandle pipe)
    {
        byte one = 1;
        var added = false;
        pipe.DangerousAddRef(ref added);
        try
        {
            // EINTR is the only failure that can happen here; the pipe is never full (one byte per wake-up).
            while (s_write((int)pipe.DangerousGetHandle(), &one, 1) < 0 && Marshal.GetLastPInvokeError() == 4)
            {
            }
        }
        finally
        {
            if (added)
            {
                pipe.DangerousRelease();
            }
        }
    }
}
