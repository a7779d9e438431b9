using System.Runtime.InteropServices;

namespace AsgiBridge.Python.Interop;

/// <summary>
/// The C tables CPython reads functions and types from, written in native memory kept for the process (CPython keeps
/// pointers to them): <c>PyMethodDef</c> and <c>PyGetSetDef</c> arrays, and heap types made with
/// <c>PyType_FromSpec</c> from <c>PyType_Slot</c>s. Layouts of 64-bit builds (Include/methodobject.h,
/// Include/descrobject.h, Include/object.h); slot numbers from Include/typeslots.h.
/// </summary>
internal static unsafe class CTables
{
    public const int SlotTpCall = 50;
    public const int SlotTpDealloc = 52;
    public const int SlotTpDoc = 56;
    public const int SlotTpIter = 62;
    public const int SlotTpIterNext = 63;
    public const int SlotTpMethods = 64;
    public const int SlotTpGetSet = 73;
    public const int SlotAmAwait = 77;
    public const int SlotAmSend = 81;

    /// <summary><c>Py_TPFLAGS_DEFAULT</c> (<c>Py_TPFLAGS_HAVE_VERSION_TAG</c>).</summary>
    public const uint FlagsDefault = 1u << 18;

    /// <summary><c>Py_TPFLAGS_DISALLOW_INSTANTIATION</c>: only the bridge makes instances.</summary>
    public const uint FlagDisallowInstantiation = 1u << 7;

    /// <summary>
    /// A <c>PyMethodDef</c> array of <c>METH_FASTCALL</c> functions (<c>{ name, function, flags, doc }</c>, 32 bytes
    /// each) ending with a zeroed entry. A pointer to one entry is also what <c>PyCFunction_NewEx</c> takes.
    /// </summary>
    public static nint Methods(params ReadOnlySpan<(string Name, nint Function)> methods)
    {
        var defs = (nint*)NativeMemory.AllocZeroed((nuint)((methods.Length + 1) * 32));
        for (var i = 0; i < methods.Length; i++)
        {
            defs[4 * i] = Utf8(methods[i].Name);
            defs[(4 * i) + 1] = methods[i].Function;
            defs[(4 * i) + 2] = CPython.MethFastCall;
        }

        return (nint)defs;
    }

    /// <summary>A <c>PyGetSetDef</c> array of read-only attributes (<c>{ name, get, set, doc, closure }</c>, 40 bytes each).</summary>
    public static nint Getters(params ReadOnlySpan<(string Name, nint Getter)> getters)
    {
        var defs = (nint*)NativeMemory.AllocZeroed((nuint)((getters.Length + 1) * 40));
        for (var i = 0; i < getters.Length; i++)
        {
            defs[5 * i] = Utf8(getters[i].Name);
            defs[(5 * i) + 1] = getters[i].Getter;
        }

        return (nint)defs;
    }

    /// <summary>
    /// A new heap type (<c>PyType_FromSpec</c>: <c>{ name, basicsize, itemsize, flags, slots }</c>, 32 bytes, over
    /// <c>{ int slot; void *pfunc; }</c> pairs ending with <c>{ 0, NULL }</c>); a new reference, held for the process.
    /// </summary>
    public static nint NewType(string name, int basicSize, uint flags, params ReadOnlySpan<(int Slot, nint Function)> slots)
    {
        var slotArray = (nint*)NativeMemory.AllocZeroed((nuint)((slots.Length + 1) * 16));
        for (var i = 0; i < slots.Length; i++)
        {
            *(int*)(slotArray + (2 * i)) = slots[i].Slot;
            slotArray[(2 * i) + 1] = slots[i].Function;
        }

        var spec = (byte*)NativeMemory.AllocZeroed(32);
        *(nint*)spec = Utf8(name);
        *(int*)(spec + 8) = basicSize;
        *(uint*)(spec + 16) = flags;
        *(nint**)(spec + 24) = slotArray;
        var type = CPythonTypes.FromSpec(spec);
        if (type == 0)
        {
            CPython.PrintError();
            throw new InvalidOperationException($"Could not create the bridge type {name}.");
        }

        return type;
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="text"/>, never freed (CPython keeps the pointer).</summary>
    public static nint Utf8(string text) => Marshal.StringToCoTaskMemUTF8(text);
}
