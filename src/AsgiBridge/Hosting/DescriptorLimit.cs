using System.Globalization;

namespace AsgiBridge.Hosting;

/// <summary>The process's soft limit on open file descriptors (<c>ulimit -n</c>), and the connection ceiling derived from it.</summary>
internal static class DescriptorLimit
{
    /// <summary>The soft RLIMIT_NOFILE from <c>/proc/self/limits</c>; null where it cannot be read (not Linux) or is unlimited.</summary>
    public static long? ReadSoftLimit()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                // "Max open files            1024                 1048576              files"
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 0 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>How many descriptors the process has open now (<c>/proc/self/fd</c>); null where that cannot be read.</summary>
    public static int? CountOpen()
    {
        try
        {
            return Directory.GetFileSystemEntries("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The most connections to allow under <paramref name="softLimit"/> descriptors when <paramref name="inUse"/> are
    /// already open (a .NET host holds ~150 at start: assemblies, pipes, the event loop): a tenth of the limit (at
    /// least 64) stays spare for listeners, log files, assemblies loaded later and the application's own files.
    /// </summary>
    public static int CeilingFor(long softLimit, int inUse)
    {
        var spare = Math.Max(64, softLimit / 10);
        return (int)Math.Clamp(softLimit - inUse - spare, 1, int.MaxValue);
    }
}
