using System.Runtime.InteropServices;

namespace AsgiBridge.Python.Interop;

/// <summary>
/// The few CPython C-API functions the bridge calls on its hot path, resolved once from the same shared libpython
/// that pythonnet loaded. pythonnet's object wrappers allocate a finalizable .NET object per Python value and cannot
/// wrap a raw reference; a scope or an event is built here with raw <c>PyObject*</c> values instead, and pythonnet is
/// kept for what it does well: finding, starting and stopping the interpreter and loading the bridge's module.
/// Every function here must be called with the GIL held (they are: only the event-loop thread calls them).
/// References follow the C API: "New" functions return a new reference the caller must <see cref="DecRef"/>;
/// <c>PyTuple_SetItem</c> and <c>PyList_SetItem</c> steal one.
/// <para>
/// The calls made many times per request that cannot run Python code skip the runtime's GC transition
/// (<c>SuppressGCTransition</c>): taking a reference, making <c>bytes</c>, a Latin-1 <c>str</c> or an <c>int</c>
/// (objects the cyclic collector does not track, so their allocation never starts a collection), filling an empty
/// tuple or list slot, adding a new <c>str</c> key to a dict the bridge is building, reading a type's flags. Such a
/// call must not reach .NET again (a finalizer, a <c>__del__</c>, the bridge's own C types' deallocation): anything
/// that may free an object, allocate a tracked one or compare arbitrary keys keeps the normal transition.
/// </para>
/// </summary>
internal static unsafe class CPython
{
    /// <summary><c>METH_FASTCALL</c>: a C function called as <c>f(self, args, nargs)</c>, without an argument tuple.</summary>
    public const int MethFastCall = 0x0080;

    private static delegate* unmanaged[SuppressGCTransition]<nint, void> s_incRef;
    private static delegate* unmanaged<nint, void> s_decRef;
    private static delegate* unmanaged[SuppressGCTransition]<nint, void> s_decRefHeld;
    private static delegate* unmanaged[SuppressGCTransition]<byte*, nint, nint> s_bytesFromStringAndSize;
    private static delegate* unmanaged<byte*, nint, nint> s_unicodeFromUtf8;
    private static delegate* unmanaged[SuppressGCTransition]<byte*, nint, byte*, nint> s_unicodeDecodeLatin1;
    private static delegate* unmanaged<nint, nint*, byte*> s_unicodeAsUtf8AndSize;
    private static delegate* unmanaged<byte*, nint> s_unicodeInternFromString;
    private static delegate* unmanaged[SuppressGCTransition]<nint, nint> s_longFromLong;
    private static delegate* unmanaged<nint, nint> s_longAsLong;
    private static delegate* unmanaged<nint, nint> s_longFromVoidPtr;
    private static delegate* unmanaged<nint, nint> s_longAsVoidPtr;
    private static delegate* unmanaged<nint, nint> s_tupleNew;
    private static delegate* unmanaged[SuppressGCTransition]<nint, nint, nint, int> s_tupleSetItem;
    private static delegate* unmanaged<nint, nint> s_listNew;
    private static delegate* unmanaged[SuppressGCTransition]<nint, nint, nint, int> s_listSetItem;
    private static delegate* unmanaged<nint> s_dictNew;
    private static delegate* unmanaged<nint, nint> s_dictNewPresized;
    private static delegate* unmanaged[SuppressGCTransition]<nint, nint, nint, int> s_dictSetItem;
    private static delegate* unmanaged<nint, nint, nint> s_dictGetItemWithError;
    private static delegate* unmanaged<nint, nint*, nint*, nint*, int> s_dictNext;
    private static delegate* unmanaged<nint, nint> s_dictCopy;
    private static delegate* unmanaged<nint, int> s_objectIsTrue;
    private static delegate* unmanaged<nint, nint, nint, nint> s_objectCall;
    private static delegate* unmanaged<nint, nint*, nuint, nint, nint> s_vectorcall;
    private static delegate* unmanaged<nint, nint> s_objectGetIter;
    private static delegate* unmanaged<nint, nint> s_iterNext;
    private static delegate* unmanaged<nint, byte*, nint, int> s_objectSetAttrString;
    private static delegate* unmanaged<nint, byte*, nint> s_objectGetAttrString;
    private static delegate* unmanaged<nint, byte*, void> s_errSetString;
    private static delegate* unmanaged<nint> s_errOccurred;
    private static delegate* unmanaged<void> s_errClear;
    private static delegate* unmanaged<void> s_errPrint;
    private static delegate* unmanaged<nint, nint, nint, nint> s_cFunctionNewEx;
    private static delegate* unmanaged<int> s_gilStateCheck;
    private static delegate* unmanaged<nint> s_evalSaveThread;

    /// <summary><c>None</c>, <c>True</c> and <c>False</c> (borrowed; immortal for the interpreter's life).</summary>
    public static nint None { get; private set; }

    public static nint True { get; private set; }

    public static nint False { get; private set; }

    /// <summary>
    /// Resolves every function from <paramref name="libraryPath"/> (already loaded by pythonnet), or from the process's
    /// executable when it is null: python3 running .NET exports the C API itself, as it does for its extension modules.
    /// </summary>
    public static void Bind(string? libraryPath)
    {
        var lib = libraryPath is null ? NativeLibrary.GetMainProgramHandle() : NativeLibrary.Load(libraryPath);
        nint F(string name) => NativeLibrary.GetExport(lib, name);

        s_incRef = (delegate* unmanaged[SuppressGCTransition]<nint, void>)F("Py_IncRef");
        s_decRef = (delegate* unmanaged<nint, void>)F("Py_DecRef");
        s_decRefHeld = (delegate* unmanaged[SuppressGCTransition]<nint, void>)F("Py_DecRef");
        s_bytesFromStringAndSize = (delegate* unmanaged[SuppressGCTransition]<byte*, nint, nint>)F("PyBytes_FromStringAndSize");
        s_unicodeFromUtf8 = (delegate* unmanaged<byte*, nint, nint>)F("PyUnicode_FromStringAndSize");
        s_unicodeDecodeLatin1 = (delegate* unmanaged[SuppressGCTransition]<byte*, nint, byte*, nint>)F("PyUnicode_DecodeLatin1");
        s_unicodeAsUtf8AndSize = (delegate* unmanaged<nint, nint*, byte*>)F("PyUnicode_AsUTF8AndSize");
        s_unicodeInternFromString = (delegate* unmanaged<byte*, nint>)F("PyUnicode_InternFromString");
        s_longFromLong = (delegate* unmanaged[SuppressGCTransition]<nint, nint>)F("PyLong_FromLong");
        s_longAsLong = (delegate* unmanaged<nint, nint>)F("PyLong_AsLong");
        s_longFromVoidPtr = (delegate* unmanaged<nint, nint>)F("PyLong_FromVoidPtr");
        s_longAsVoidPtr = (delegate* unmanaged<nint, nint>)F("PyLong_AsVoidPtr");
        s_tupleNew = (delegate* unmanaged<nint, nint>)F("PyTuple_New");
        s_tupleSetItem = (delegate* unmanaged[SuppressGCTransition]<nint, nint, nint, int>)F("PyTuple_SetItem");
        s_listNew = (delegate* unmanaged<nint, nint>)F("PyList_New");
        s_listSetItem = (delegate* unmanaged[SuppressGCTransition]<nint, nint, nint, int>)F("PyList_SetItem");
        s_dictNew = (delegate* unmanaged<nint>)F("PyDict_New");

        // Not in the limited API, but exported by every CPython the bridge supports; PyDict_New where it is not.
        s_dictNewPresized = NativeLibrary.TryGetExport(lib, "_PyDict_NewPresized", out var presized) ? (delegate* unmanaged<nint, nint>)presized : null;
        s_dictSetItem = (delegate* unmanaged[SuppressGCTransition]<nint, nint, nint, int>)F("PyDict_SetItem");
        s_dictGetItemWithError = (delegate* unmanaged<nint, nint, nint>)F("PyDict_GetItemWithError");
        s_dictNext = (delegate* unmanaged<nint, nint*, nint*, nint*, int>)F("PyDict_Next");
        s_dictCopy = (delegate* unmanaged<nint, nint>)F("PyDict_Copy");
        s_objectIsTrue = (delegate* unmanaged<nint, int>)F("PyObject_IsTrue");
        s_objectCall = (delegate* unmanaged<nint, nint, nint, nint>)F("PyObject_Call");
        s_vectorcall = (delegate* unmanaged<nint, nint*, nuint, nint, nint>)F("PyObject_Vectorcall");
        s_objectGetIter = (delegate* unmanaged<nint, nint>)F("PyObject_GetIter");
        s_iterNext = (delegate* unmanaged<nint, nint>)F("PyIter_Next");
        s_objectSetAttrString = (delegate* unmanaged<nint, byte*, nint, int>)F("PyObject_SetAttrString");
        s_objectGetAttrString = (delegate* unmanaged<nint, byte*, nint>)F("PyObject_GetAttrString");
        s_errSetString = (delegate* unmanaged<nint, byte*, void>)F("PyErr_SetString");
        s_errOccurred = (delegate* unmanaged<nint>)F("PyErr_Occurred");
        s_errClear = (delegate* unmanaged<void>)F("PyErr_Clear");
        s_errPrint = (delegate* unmanaged<void>)F("PyErr_Print");
        s_cFunctionNewEx = (delegate* unmanaged<nint, nint, nint, nint>)F("PyCFunction_NewEx");
        s_gilStateCheck = (delegate* unmanaged<int>)F("PyGILState_Check");
        s_evalSaveThread = (delegate* unmanaged<nint>)F("PyEval_SaveThread");
        None = F("_Py_NoneStruct");
        True = F("_Py_TrueStruct");
        False = F("_Py_FalseStruct");
        CPythonTypes.Bind(F);
        PyObjects.Bind(F);
    }

    public static void IncRef(nint o) => s_incRef(o);

    public static void DecRef(nint o)
    {
        if (o != 0)
        {
            s_decRef(o);
        }
    }

    /// <summary>A new reference to <c>None</c>.</summary>
    public static nint NewNone()
    {
        s_incRef(None);
        return None;
    }

    public static nint NewBool(bool value)
    {
        var o = value ? True : False;
        s_incRef(o);
        return o;
    }

    public static nint NewBytes(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            // A null pointer would make an uninitialised bytes object of that size: give it a real one.
            byte empty = 0;
            return s_bytesFromStringAndSize(p == null ? &empty : p, bytes.Length);
        }
    }

    public static nint NewString(string text)
    {
        // Paths and addresses are ASCII: copied through the stack as Latin-1, no UTF-8 array per string.
        if (text.Length <= 256)
        {
            Span<byte> ascii = stackalloc byte[text.Length];
            if (System.Text.Ascii.FromUtf16(text, ascii, out _) == System.Buffers.OperationStatus.Done)
            {
                return NewLatin1(ascii);
            }
        }

        return NewUtf8(System.Text.Encoding.UTF8.GetBytes(text));
    }

    public static nint NewUtf8(ReadOnlySpan<byte> utf8)
    {
        fixed (byte* p = utf8)
        {
            byte empty = 0;
            return s_unicodeFromUtf8(p == null ? &empty : p, utf8.Length);
        }
    }

    public static nint NewLatin1(ReadOnlySpan<byte> latin1)
    {
        fixed (byte* p = latin1)
        {
            byte empty = 0;
            return s_unicodeDecodeLatin1(p == null ? &empty : p, latin1.Length, null);
        }
    }

    /// <summary>An interned str for a key used on every scope or event (made once, kept for the process).</summary>
    public static nint Intern(string ascii)
    {
        var bytes = new byte[ascii.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(ascii, bytes);
        fixed (byte* p = bytes)
        {
            return s_unicodeInternFromString(p);
        }
    }

    /// <summary>The UTF-8 bytes of a str (borrowed from the str: valid while it lives), or false when it is not one.</summary>
    public static bool TryGetUtf8(nint o, out ReadOnlySpan<byte> utf8)
    {
        if (!PyObjects.HasFlag(o, PyObjects.UnicodeSubclass))
        {
            utf8 = default;
            return false;
        }

        nint size;
        var p = s_unicodeAsUtf8AndSize(o, &size);
        if (p == null)
        {
            s_errClear(); // lone surrogates: not encodable
            utf8 = default;
            return false;
        }

        utf8 = new ReadOnlySpan<byte>(p, checked((int)size));
        return true;
    }

    public static string? ToStringOrNull(nint o) => TryGetUtf8(o, out var utf8) ? System.Text.Encoding.UTF8.GetString(utf8) : null;

    public static nint NewInt(long value) => s_longFromLong((nint)value);

    /// <summary>The value of an int, or false when <paramref name="o"/> is not an int or does not fit.</summary>
    public static bool TryGetLong(nint o, out long value)
    {
        value = 0;
        if (!PyObjects.HasFlag(o, PyObjects.LongSubclass))
        {
            return false;
        }

        value = s_longAsLong(o);
        if (value == -1 && s_errOccurred() != 0)
        {
            s_errClear();
            return false;
        }

        return true;
    }

    public static nint NewIntFromPointer(nint value) => s_longFromVoidPtr(value);

    public static nint PointerFromInt(nint o) => s_longAsVoidPtr(o);

    public static nint NewTuple(int size) => s_tupleNew(size);

    /// <summary>Stores <paramref name="item"/> in a new tuple, stealing the reference.</summary>
    public static void TupleSetStolen(nint tuple, int index, nint item) => s_tupleSetItem(tuple, index, item);

    public static nint NewList(int size) => s_listNew(size);

    /// <summary>Stores <paramref name="item"/> in a new list, stealing the reference.</summary>
    public static void ListSetStolen(nint list, int index, nint item) => s_listSetItem(list, index, item);

    public static nint NewDict() => s_dictNew();

    /// <summary>An empty dict with room for <paramref name="entries"/> keys: filling it never resizes its table.</summary>
    public static nint NewDict(int entries) => s_dictNewPresized is null ? s_dictNew() : s_dictNewPresized(entries);

    public static nint DictCopy(nint dict) => s_dictCopy(dict);

    /// <summary>Sets <c>dict[key] = value</c> and releases the caller's reference to <paramref name="value"/>.</summary>
    public static void DictSetStolen(nint dict, nint key, nint value)
    {
        if (s_dictSetItem(dict, key, value) == 0)
        {
            s_decRefHeld(value); // the dict holds it: this release frees nothing
        }
        else
        {
            s_decRef(value);
        }
    }

    /// <summary><c>dict.get(key)</c>: a borrowed reference, or 0 when missing.</summary>
    public static nint DictGet(nint dict, nint key)
    {
        var value = s_dictGetItemWithError(dict, key);
        if (value == 0 && s_errOccurred() != 0)
        {
            s_errClear(); // an unhashable key cannot be here: our keys are str
        }

        return value;
    }

    /// <summary>Steps through a dict's items (borrowed references), as <c>PyDict_Next</c>.</summary>
    public static bool DictNext(nint dict, ref nint position, out nint key, out nint value)
    {
        nint pos = position, k, v;
        var more = s_dictNext(dict, &pos, &k, &v) != 0;
        position = pos;
        key = k;
        value = v;
        return more;
    }

    /// <summary><c>bool(o)</c>; an object whose <c>__bool__</c> raises counts as false.</summary>
    public static bool IsTrue(nint o)
    {
        var result = s_objectIsTrue(o);
        if (result < 0)
        {
            s_errClear();
            return false;
        }

        return result == 1;
    }

    /// <summary><c>callable(*args)</c> where <paramref name="args"/> is a tuple: a new reference, or 0 with the error set.</summary>
    public static nint Call(nint callable, nint args) => s_objectCall(callable, args, 0);

    /// <summary>
    /// <c>callable(*positional, **keywords)</c> without an argument tuple (PEP 590): <paramref name="args"/> holds the
    /// positional arguments, then the values of <paramref name="keywordNames"/> (a tuple of str, or 0); all borrowed.
    /// A new reference, or 0 with the error set.
    /// </summary>
    public static nint Vectorcall(nint callable, scoped ReadOnlySpan<nint> args, int positional, nint keywordNames = 0)
    {
        fixed (nint* p = args)
        {
            return s_vectorcall(callable, p, (nuint)positional, keywordNames);
        }
    }

    public static nint GetIter(nint o) => s_objectGetIter(o);

    /// <summary>The iterator's next item (new reference), or 0 at the end or on error (see <see cref="ErrorOccurred"/>).</summary>
    public static nint IterNext(nint iterator) => s_iterNext(iterator);

    public static void SetAttr(nint o, string name, nint value)
    {
        var bytes = new byte[name.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(name, bytes);
        fixed (byte* p = bytes)
        {
            if (s_objectSetAttrString(o, p, value) != 0)
            {
                s_errPrint();
                throw new InvalidOperationException($"Could not set attribute '{name}' on the bridge module.");
            }
        }
    }

    /// <summary><c>getattr(o, name)</c>: a new reference (the bridge's own module: the name exists).</summary>
    public static nint GetAttr(nint o, string name)
    {
        var bytes = new byte[name.Length + 1];
        System.Text.Encoding.ASCII.GetBytes(name, bytes);
        fixed (byte* p = bytes)
        {
            var value = s_objectGetAttrString(o, p);
            if (value == 0)
            {
                s_errPrint();
                throw new InvalidOperationException($"The bridge module has no attribute '{name}'.");
            }

            return value;
        }
    }

    /// <summary>Raises <paramref name="type"/>(<paramref name="message"/>) in Python: the caller then returns NULL.</summary>
    public static void SetError(nint type, string message)
    {
        var utf8 = new byte[System.Text.Encoding.UTF8.GetByteCount(message) + 1];
        System.Text.Encoding.UTF8.GetBytes(message, utf8);
        fixed (byte* p = utf8)
        {
            s_errSetString(type, p);
        }
    }

    public static bool ErrorOccurred => s_errOccurred() != 0;

    /// <summary>
    /// Releases the GIL if this thread still holds it (<c>PyEval_SaveThread</c>; the thread state is kept, unused). In
    /// a python3 process, its main thread waits for the GIL once .NET returns to it.
    /// </summary>
    public static void ReleaseGilIfHeld()
    {
        if (s_gilStateCheck is not null && s_gilStateCheck() == 1)
        {
            s_evalSaveThread();
        }
    }

    public static void ClearError() => s_errClear();

    /// <summary>Prints the pending Python exception with its traceback to stderr and clears it (a bridge bug's last resort).</summary>
    public static void PrintError() => s_errPrint();

    /// <summary>
    /// A Python function object calling <paramref name="method"/> (a <c>PyMethodDef*</c> kept alive by the caller) with
    /// <paramref name="self"/> (borrowed; the function keeps a reference, 0 for none) as its first C argument.
    /// </summary>
    public static nint NewFunction(nint method, nint self) => s_cFunctionNewEx(method, self, 0);
}
