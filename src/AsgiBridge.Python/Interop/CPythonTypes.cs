using System.Runtime.InteropServices;

namespace AsgiBridge.Python.Interop;

/// <summary>
/// The C-API functions behind the bridge's own Python types (Bridge/ChannelCallables): making a type from a spec,
/// allocating and freeing its instances, stepping an awaitable, and reading an argument tuple. Resolved with
/// <see cref="CPython"/>'s functions; the same rules apply (GIL held, C-API reference conventions).
/// </summary>
internal static unsafe class CPythonTypes
{
    private static delegate* unmanaged<void*, nint> s_typeFromSpec;
    private static delegate* unmanaged<nint, nint, nint> s_typeGenericAlloc;
    private static delegate* unmanaged<nint, void> s_objectFree;
    private static delegate* unmanaged<nint, nint, nint*, int> s_iterSend;
    private static delegate* unmanaged<nint, nint, void> s_errSetObject;
    private static delegate* unmanaged<nint, nint> s_dictSize;
    private static nint s_stopIteration;

    /// <summary><c>PyDict_Type</c>: the exact type of a dict.</summary>
    public static nint DictType { get; private set; }

    public static void Bind(Func<string, nint> export)
    {
        s_typeFromSpec = (delegate* unmanaged<void*, nint>)export("PyType_FromSpec");
        s_typeGenericAlloc = (delegate* unmanaged<nint, nint, nint>)export("PyType_GenericAlloc");
        s_objectFree = (delegate* unmanaged<nint, void>)export("PyObject_Free");
        s_iterSend = (delegate* unmanaged<nint, nint, nint*, int>)export("PyIter_Send");
        s_errSetObject = (delegate* unmanaged<nint, nint, void>)export("PyErr_SetObject");
        s_dictSize = (delegate* unmanaged<nint, nint>)export("PyDict_Size");
        s_stopIteration = *(nint*)export("PyExc_StopIteration"); // a PyObject* variable
        DictType = export("PyDict_Type"); // the type object itself
        SelfIter = export("PyObject_SelfIter");
    }

    /// <summary>
    /// <c>PyObject_SelfIter</c>, a C function that returns its argument with a new reference: the <c>am_await</c> and
    /// <c>tp_iter</c> of a type that is its own awaitable iterator, without a call into .NET.
    /// </summary>
    public static nint SelfIter { get; private set; }

    /// <summary><c>PyType_FromSpec</c>: a new heap type, or 0 with the error set.</summary>
    public static nint FromSpec(void* spec) => s_typeFromSpec(spec);

    /// <summary>A new instance of <paramref name="type"/> (zeroed, one reference; it holds a reference to a heap type), or 0.</summary>
    public static nint Alloc(nint type) => s_typeGenericAlloc(type, 0);

    /// <summary>Frees an instance of a type without garbage-collector support (its <c>tp_free</c>).</summary>
    public static void Free(nint o) => s_objectFree(o);

    /// <summary><c>PyIter_Send</c>: one step of an awaitable's iterator; <c>PYGEN_NEXT</c> (1), <c>PYGEN_RETURN</c> (0) or <c>PYGEN_ERROR</c> (-1).</summary>
    public static int IterSend(nint iterator, nint value, nint* result) => s_iterSend(iterator, value, result);

    /// <summary>Raises <c>StopIteration(value)</c> (<paramref name="value"/> borrowed).</summary>
    public static void SetStopIteration(nint value) => s_errSetObject(s_stopIteration, value);

    /// <summary>The size of a tuple: <c>ob_size</c> follows <c>ob_type</c> in a <c>PyVarObject</c> (Include/object.h).</summary>
    public static nint TupleSize(nint tuple) => *(nint*)(tuple + (2 * sizeof(nint)));

    /// <summary>A tuple's item (borrowed): <c>ob_item</c> follows <c>ob_size</c> (Include/cpython/tupleobject.h).</summary>
    public static nint TupleItem(nint tuple, int index) => *(nint*)(tuple + ((3 + index) * sizeof(nint)));

    public static nint DictSize(nint dict) => s_dictSize(dict);
}
