namespace AsgiBridge.Python;

/// <summary>
/// A Python ASGI app could not be loaded: no usable interpreter or shared libpython, a module that fails to import,
/// a missing attribute, a factory that fails. <see cref="Exception.Message"/> is one line naming the cause (uvicorn's
/// wording where uvicorn has one); <see cref="PythonTraceback"/> holds the Python traceback when Python raised.
/// </summary>
public sealed class PythonLoadException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    /// <param name="message">The cause, one line.</param>
    public PythonLoadException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a one-line message and the Python traceback behind it.</summary>
    /// <param name="message">The cause, one line.</param>
    /// <param name="pythonTraceback">The formatted Python traceback, or null.</param>
    public PythonLoadException(string message, string? pythonTraceback) : base(message)
    {
        PythonTraceback = pythonTraceback;
    }

    /// <summary>Creates the exception with a one-line message and an inner exception.</summary>
    /// <param name="message">The cause, one line.</param>
    /// <param name="innerException">What failed.</param>
    public PythonLoadException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception (for serializers and analyzers; prefer the constructors with a message).</summary>
    public PythonLoadException()
    {
    }

    /// <summary>The Python traceback when the failure was a Python exception; null otherwise.</summary>
    public string? PythonTraceback { get; }
}
