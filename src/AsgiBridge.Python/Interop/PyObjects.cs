using System.Runtime.InteropServices;

namespace AsgiBridge.Python.Interop;

/// <summary>
/// Reading the Python objects an app hands the bridge (event dicts' values): an object's type and its subclass flags,
/// the data of exact <c>bytes</c>, <c>tuple</c> and <c>list</c> objects in place, and any object's bytes through the
/// buffer protocol. Called with the GIL held, as <see cref="CPython"/>.
/// </summary>
internal static unsafe class PyObjects
{
    // Py_TPFLAGS_*_SUBCLASS bits (Include/object.h): the fast type checks behind PyBytes_Check and friends.
    public const ulong LongSubclass = 1UL << 24;
    public const ulong ListSubclass = 1UL << 25;
    public const ulong TupleSubclass = 1UL << 26;
    public const ulong BytesSubclass = 1UL << 27;
    public const ulong UnicodeSubclass = 1UL << 28;
    public const ulong DictSubclass = 1UL << 29;

    // The layouts behind PyBytes_AS_STRING, PyTuple_GET_ITEM and PyList_GET_ITEM (Include/cpython/bytesobject.h,
    // tupleobject.h, listobject.h), the same from 3.9 on 64-bit builds with the GIL: PyObject_VAR_HEAD is ob_refcnt,
    // ob_type and ob_size; a bytes object's data follows its cached hash, a tuple's items follow the head, a list
    // points to its items. Exact types only: a subclass may define its own buffer or iteration.
    private const int VarSizeOffset = 16;
    private const int BytesDataOffset = 32;
    private const int ItemsOffset = 24;

    /// <summary><c>PyBUF_SIMPLE</c>: a contiguous read-only view of bytes.</summary>
    private const int BufSimple = 0;

    private static delegate* unmanaged[SuppressGCTransition]<nint, ulong> s_typeGetFlags;
    private static delegate* unmanaged<nint, PyBufferView*, int, int> s_getBuffer;
    private static delegate* unmanaged<PyBufferView*, void> s_releaseBuffer;
    private static delegate* unmanaged<void> s_errClear;
    private static nint s_bytesType;
    private static nint s_tupleType;
    private static nint s_listType;

    /// <summary>Resolves the functions and type objects (<see cref="CPython.Bind"/> calls it).</summary>
    public static void Bind(Func<string, nint> export)
    {
        s_typeGetFlags = (delegate* unmanaged[SuppressGCTransition]<nint, ulong>)export("PyType_GetFlags");
        s_getBuffer = (delegate* unmanaged<nint, PyBufferView*, int, int>)export("PyObject_GetBuffer");
        s_releaseBuffer = (delegate* unmanaged<PyBufferView*, void>)export("PyBuffer_Release");
        s_errClear = (delegate* unmanaged<void>)export("PyErr_Clear");
        s_bytesType = export("PyBytes_Type");
        s_tupleType = export("PyTuple_Type");
        s_listType = export("PyList_Type");
    }

    /// <summary>
    /// <c>Py_TYPE(o)</c>: <c>ob_type</c> follows the 8-byte <c>ob_refcnt</c> in a <c>PyObject</c> of every 64-bit CPython
    /// build with the GIL (Include/object.h); the macro is not an exported function before 3.14.
    /// </summary>
    public static nint TypeOf(nint o) => *(nint*)(o + sizeof(nint));

    /// <summary>Whether the type of <paramref name="o"/> has a <c>Py_TPFLAGS_*_SUBCLASS</c> bit.</summary>
    public static bool HasFlag(nint o, ulong flag) => (s_typeGetFlags(TypeOf(o)) & flag) != 0;

    /// <summary>The data of an object whose type is exactly <c>bytes</c>, read in place; false for anything else.</summary>
    public static bool TryExactBytes(nint o, out ReadOnlySpan<byte> data)
    {
        if (TypeOf(o) != s_bytesType)
        {
            data = default;
            return false;
        }

        data = new ReadOnlySpan<byte>((byte*)o + BytesDataOffset, (int)*(nint*)(o + VarSizeOffset));
        return true;
    }

    /// <summary>
    /// The items (borrowed) of an object whose type is exactly <c>tuple</c> or <c>list</c>; false for anything else.
    /// Valid until Python code runs (a list may then change).
    /// </summary>
    public static bool TryExactSequence(nint o, out ReadOnlySpan<nint> items)
    {
        var type = TypeOf(o);
        var count = (int)*(nint*)(o + VarSizeOffset);
        if (type == s_tupleType)
        {
            items = new ReadOnlySpan<nint>((nint*)(o + ItemsOffset), count);
            return true;
        }

        if (type == s_listType)
        {
            items = new ReadOnlySpan<nint>(*(nint**)(o + ItemsOffset), count);
            return true;
        }

        items = default;
        return false;
    }

    /// <summary>A contiguous byte view of any object with the buffer protocol (bytes, bytearray, memoryview).</summary>
    public static bool TryGetBuffer(nint o, out PyBufferView view)
    {
        PyBufferView v;
        if (s_getBuffer(o, &v, BufSimple) != 0)
        {
            s_errClear();
            view = default;
            return false;
        }

        view = v;
        return true;
    }

    public static void ReleaseBuffer(ref PyBufferView view)
    {
        fixed (PyBufferView* p = &view)
        {
            s_releaseBuffer(p);
        }
    }
}

/// <summary><c>Py_buffer</c> (Include/pybuffer.h), 64-bit layout.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PyBufferView
{
    public byte* Buf;
    public nint Obj;
    public nint Len;
    public nint ItemSize;
    public int ReadOnly;
    public int NDim;
    public nint Format;
    public nint Shape;
    public nint Strides;
    public nint SubOffsets;
    public nint Internal;

    public readonly ReadOnlySpan<byte> Span => new(Buf, checked((int)Len));
}
