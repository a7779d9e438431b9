namespace AsgiBridge.Host.Cli;

/// <summary>
/// The flags that serve a Python ASGI app (docs/python.md) and the <c>Python</c> settings they set: <c>--python</c>
/// the interpreter's location and how it is embedded are the host's own; <c>--app-dir</c>, <c>--factory</c>, <c>--loop</c>,
/// <c>--interface</c>, <c>--reload</c> and <c>--reload-dir</c> are uvicorn's, with uvicorn's values.
/// </summary>
internal static class PythonFlags
{
    private static readonly Dictionary<string, string> s_loops = new(StringComparer.Ordinal)
    {
        ["auto"] = "Auto",
        ["asyncio"] = "Asyncio",
        ["uvloop"] = "Uvloop",
    };

    private static readonly Dictionary<string, string> s_interfaces = new(StringComparer.Ordinal)
    {
        ["auto"] = "Auto",
        ["asgi3"] = "Asgi3",
        ["asgi2"] = "Asgi2",
    };

    private static readonly Dictionary<string, string> s_embeds = new(StringComparer.Ordinal)
    {
        ["process"] = "Process",
        ["library"] = "Library",
    };

    private static readonly Dictionary<string, string> s_sockets = new(StringComparer.Ordinal)
    {
        ["loop"] = "EventLoop",
        ["kestrel"] = "Kestrel",
    };

    /// <summary>The setting that names the app: when it is set, the host serves a Python app.</summary>
    public const string AppKey = "Python:App";

    /// <summary><c>--reload</c>: serve the app from a child host restarted when its Python sources change.</summary>
    public const string ReloadKey = "Python:Reload";

    /// <summary><c>--reload-dir</c>, repeatable: the directories watched (default: the app directory, else the current one).</summary>
    public const string ReloadDirsKey = "Python:ReloadDirs";

    /// <summary><c>--reload-delay</c>: seconds the watched tree must be quiet before the app restarts.</summary>
    public const string ReloadDelayKey = "Python:ReloadDelay";

    /// <summary><c>--reload-include</c>, repeatable: glob patterns of files whose change restarts the app (besides <c>*.py</c>).</summary>
    public const string ReloadIncludesKey = "Python:ReloadIncludes";

    /// <summary><c>--reload-exclude</c>, repeatable: glob patterns of files and directories whose change does not.</summary>
    public const string ReloadExcludesKey = "Python:ReloadExcludes";

    /// <summary>Every flag, in the order the usage text lists them.</summary>
    public static readonly UvicornFlag[] All =
    [
        new("python", FlagKind.Value, AppKey, "MODULE:ATTR"),
        new("app-dir", FlagKind.Value, "Python:AppDir", "DIR"),
        new("factory", FlagKind.On, "Python:Factory"),
        new("loop", FlagKind.Choice, "Python:Loop", "LOOP", s_loops),
        new("interface", FlagKind.Choice, "Python:Interface", "INTERFACE", s_interfaces),
        new("python-exe", FlagKind.Value, "Python:Executable", "PATH"),
        new("python-lib", FlagKind.Value, "Python:Library", "PATH"),
        new("python-embed", FlagKind.Choice, "Python:Embed", "EMBED", s_embeds),
        new("python-sockets", FlagKind.Choice, "Python:Sockets", "SOCKETS", s_sockets),
        new("reload", FlagKind.On, ReloadKey),
        new("reload-dir", FlagKind.Repeated, ReloadDirsKey, "DIR"),
        new("reload-include", FlagKind.Repeated, ReloadIncludesKey, "GLOB"),
        new("reload-exclude", FlagKind.Repeated, ReloadExcludesKey, "GLOB"),
        new("reload-delay", FlagKind.Value, ReloadDelayKey, "SECONDS"),
    ];

    private static readonly Dictionary<string, UvicornFlag> s_byName = All.ToDictionary(f => f.Name, StringComparer.Ordinal);

    /// <summary>Looks a flag up by its name without dashes.</summary>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out UvicornFlag? flag) =>
        s_byName.TryGetValue(name, out flag);
}
