using System.Runtime.InteropServices;

namespace AsgiBridge.Python.ProcessHost;

/// <summary>
/// <c>execve(2)</c>: the environment is passed explicitly because .NET keeps its own copy of the variables
/// (<see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change the C library's).
/// </summary>
internal static unsafe partial class ExecNative
{
    /// <summary>Replaces the process image; returns the errno only when that failed.</summary>
    public static int Execve(string[] argv, string[] environment)
    {
        var argPointers = ToUtf8Array(argv);
        var envPointers = ToUtf8Array(environment);
        try
        {
            fixed (nint* a = argPointers)
            fixed (nint* e = envPointers)
            {
                Execve((byte*)argPointers[0], a, e);
                return Marshal.GetLastPInvokeError();
            }
        }
        finally
        {
            Free(argPointers);
            Free(envPointers);
        }
    }

    /// <summary>A NULL-terminated array of UTF-8 strings in native memory.</summary>
    private static nint[] ToUtf8Array(string[] values)
    {
        var pointers = new nint[values.Length + 1];
        for (var i = 0; i < values.Length; i++)
        {
            pointers[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
        }

        return pointers;
    }

    private static void Free(nint[] pointers)
    {
        foreach (var p in pointers)
        {
            Marshal.FreeCoTaskMem(p);
        }
    }

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static partial int Execve(byte* path, nint* argv, nint* envp);
}
