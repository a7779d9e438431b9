namespace AsgiBridge.Host.Reload;

/// <summary>The command line of the child host under <c>--reload</c>: the parent's, less the reload flags.</summary>
internal static class ReloadArguments
{
    /// <summary>The flags only the watching parent reads; each takes a value.</summary>
    private static readonly string[] s_watcherFlags = ["--reload-dir", "--reload-include", "--reload-exclude", "--reload-delay"];

    /// <summary>
    /// <paramref name="args"/> without <c>--reload</c> and the watcher's flags (<c>--reload-dir</c>, <c>--reload-include</c>,
    /// <c>--reload-exclude</c>, <c>--reload-delay</c>, both spellings), plus
    /// <c>--Python:Reload=false</c> so a configuration file that turns reload on does not make the child a reloader too.
    /// </summary>
    public static IReadOnlyList<string> ForChild(IReadOnlyList<string> args)
    {
        var child = new List<string>(args.Count + 1);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--reload" || Array.Exists(s_watcherFlags, f => arg.StartsWith(f + "=", StringComparison.Ordinal)))
            {
                continue;
            }

            if (s_watcherFlags.Contains(arg))
            {
                i++; // its value
                continue;
            }

            child.Add(arg);
        }

        child.Add("--Python:Reload=false");
        return child;
    }
}
