namespace AsgiBridge.Host.Cli;

/// <summary>The outcome of <see cref="CommandLine.Parse"/>.</summary>
internal sealed class ParsedCommandLine
{
    private ParsedCommandLine(CommandLineAction action, IReadOnlyList<KeyValuePair<string, string>> settings, string? error)
    {
        Action = action;
        Settings = settings;
        Error = error;
    }

    public static ParsedCommandLine Help { get; } = new(CommandLineAction.Help, [], null);

    public static ParsedCommandLine Version { get; } = new(CommandLineAction.Version, [], null);

    public CommandLineAction Action { get; }

    /// <summary>The configuration keys and values the command line sets, in order (a later one wins).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; }

    /// <summary>For <see cref="CommandLineAction.Error"/>: one line naming the argument at fault.</summary>
    public string? Error { get; }

    public static ParsedCommandLine Run(IReadOnlyList<KeyValuePair<string, string>> settings) => new(CommandLineAction.Run, settings, null);

    public static ParsedCommandLine Fail(string error) => new(CommandLineAction.Error, [], error);

    /// <summary>
    /// The settings as the arguments the host builder reads (<c>--Key=value</c>): its command-line configuration
    /// source keeps them above environment variables, and <c>--environment</c> or <c>--contentRoot</c> still reach
    /// the builder before it starts reading files.
    /// </summary>
    public string[] ToArgs()
    {
        var args = new string[Settings.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = $"--{Settings[i].Key}={Settings[i].Value}";
        }

        return args;
    }
}
