using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.Transport;

/// <summary>
/// One descriptor held open (on <c>/dev/null</c>) so that, when the process has run out, one can be freed to accept
/// and close the connection waiting in the backlog. Not used on Windows, where sockets are not descriptors.
/// </summary>
internal sealed class ReserveDescriptor : IDisposable
{
    private readonly Lock _lock = new();
    private SafeFileHandle? _handle;

    public ReserveDescriptor() => Restore();

    /// <summary>Closes the reserve; false when there was none to close.</summary>
    public bool Release()
    {
        lock (_lock)
        {
            if (_handle is null)
            {
                return false;
            }

            _handle.Dispose();
            _handle = null;
            return true;
        }
    }

    /// <summary>Takes the reserve back when it is not held (it may fail while descriptors are still short).</summary>
    public void Restore()
    {
        if (Volatile.Read(ref _handle) is not null || OperatingSystem.IsWindows())
        {
            return;
        }

        lock (_lock)
        {
            if (_handle is not null)
            {
                return;
            }

            try
            {
                _handle = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read);
            }
            catch (IOException)
            {
                // Still out of descriptors: the next accept or shed tries again.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _handle?.Dispose();
            _handle = null;
        }
    }
}
