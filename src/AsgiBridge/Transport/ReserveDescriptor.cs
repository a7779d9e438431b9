using Microsoft.Win32.SafeHandles;

namespace AsgiBridge.Transport;

/// <summary>
/// Descriptors held open (on <c>/dev/null</c>) from start-up and given back when the process first runs out: the
/// runtime itself needs a few (it reads <c>/proc/meminfo</c> for the GC, loads assemblies on first use) and aborts
/// with "Out of memory." when it cannot have them. Not used on Windows, where sockets are not descriptors.
/// </summary>
internal sealed class ReserveDescriptor : IDisposable
{
    /// <summary>How many descriptors are held: the headroom the runtime gets back.</summary>
    public const int Count = 16;

    private readonly Lock _lock = new();
    private readonly List<SafeFileHandle> _handles = [];

    public ReserveDescriptor()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            for (var i = 0; i < Count; i++)
            {
                _handles.Add(File.OpenHandle("/dev/null", FileMode.Open, FileAccess.Read));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Already short of descriptors at start-up: hold what could be had.
        }
    }

    /// <summary>Closes the held descriptors; false when none were held (already given back).</summary>
    public bool Release()
    {
        lock (_lock)
        {
            if (_handles.Count == 0)
            {
                return false;
            }

            foreach (var handle in _handles)
            {
                handle.Dispose();
            }

            _handles.Clear();
            return true;
        }
    }

    public void Dispose() => Release();
}
