namespace AsgiBridge.Python.Bridge;

/// <summary>
/// The Python app raised: what the server's app-fault rules see (500 before the response started, a closed
/// connection after). The message is the exception's last line; <see cref="ToString"/> adds the Python traceback,
/// which is what the server's log shows.
/// </summary>
internal sealed class PythonAppException : Exception
{
    public PythonAppException(string traceback) : base(LastLine(traceback))
    {
        PythonTraceback = traceback;
    }

    public string PythonTraceback { get; }

    public override string ToString() => $"{GetType().FullName}: {Message}{Environment.NewLine}Python traceback:{Environment.NewLine}{PythonTraceback.TrimEnd()}";

    private static string LastLine(string traceback)
    {
        var lines = traceback.TrimEnd().Split('\n');
        return lines.Length == 0 ? "The Python app failed." : lines[^1].Trim();
    }
}
