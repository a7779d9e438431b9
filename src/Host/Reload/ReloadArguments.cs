namespace AsgiBridge.Host.Reload;

/// <summary>The command line of the child host under <c>--reload</c>: the parent's, less the reload flags.</summary>
internal static class ReloadArguments
{
    /// <summary>
    /// <paramref name="args"/> without <c>--reload</c> and <c>--reload-dir DIR</c> (both spellings), plus
    /// <c>--Python:Reload=false</c> so a configuration file that turns reload on does not make the child a reloader too.
    /// </summary>
    public static IReadOnlyList<string> ForChild(IReadOnlyList<string> args)
    {
        var child = new List<string>(args.Count + 1);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--reload" || arg.StartsWith("--reload-dir=", StringComparison.Ordinal))
            {
                continue;
            }

            if (arg == "--reload-dir")
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
