namespace AsgiBridge.Host.Cli;

/// <summary>
/// Reads the host's command line before the host builder does. uvicorn's flags become the configuration keys they
/// stand for, the host's own switches (<c>--app</c>, <c>--urls</c>, <c>--Section:Key</c>, the host keys) pass
/// through as keys, and anything else is refused: the builder's command-line source would silently keep an unknown
/// flag as an unread key, so a typo would change nothing and say nothing. Both <c>--flag value</c> and
/// <c>--flag=value</c> are read (the builder's own forms); the rules are in docs/configuration.md ("Command line").
/// </summary>
internal static class CommandLine
{
    /// <summary>The address when none is given: loopback only, as uvicorn.</summary>
    public const string DefaultHost = "127.0.0.1";

    /// <summary>The port when none is given, as uvicorn.</summary>
    public const string DefaultPort = "8000";

    /// <summary>
    /// Host configuration keys accepted as <c>--key value</c> besides <c>Section:Key</c> switches: the app, the
    /// addresses, and the generic and web host keys that change something for this host.
    /// </summary>
    private static readonly HashSet<string> s_hostKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "app",
        "urls",
        "environment",
        "contentRoot",
        "applicationName",
        "shutdownTimeoutSeconds",
        "servicesStartConcurrently",
        "servicesStopConcurrently",
        "suppressStatusMessages",
    };

    /// <summary>Translates <paramref name="args"/> into configuration settings, or says what is wrong with them.</summary>
    public static ParsedCommandLine Parse(IReadOnlyList<string> args)
    {
        // Like uvicorn's eager --help and --version: they answer whatever else is on the line.
        if (args.Contains("--help") || args.Contains("-h"))
        {
            return ParsedCommandLine.Help;
        }

        if (args.Contains("--version"))
        {
            return ParsedCommandLine.Version;
        }

        var settings = new List<KeyValuePair<string, string>>(args.Count);
        string? host = null, port = null, uds = null;
        var urls = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg.Length <= 2 || !arg.StartsWith("--", StringComparison.Ordinal))
            {
                // uvicorn's APP argument (main:app) is a flag here.
                return ParsedCommandLine.Fail(IsAppSpec(arg)
                    ? $"Unexpected argument '{arg}': give a Python app as --python {arg} (uvicorn's APP argument)."
                    : $"Unexpected argument '{arg}': options start with -- (see --help).");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg[2..] : arg[2..equals];
            var inline = equals < 0 ? null : arg[(equals + 1)..];

            if (UvicornFlags.TryGet(name, out var flag) || PythonFlags.TryGet(name, out flag))
            {
                if (!flag.TakesValue)
                {
                    if (inline is not null)
                    {
                        return ParsedCommandLine.Fail($"Option '--{name}' takes no value (got '{arg}').");
                    }

                    settings.Add(new(flag.Key, flag.Kind == FlagKind.On ? "true" : "false"));
                    continue;
                }

                if (!TryTakeValue(args, ref i, inline, out var value))
                {
                    return MissingValue(name, flag.ValueName);
                }

                switch (flag.Kind)
                {
                    case FlagKind.Choice:
                        if (!flag.Choices!.TryGetValue(value, out var written))
                        {
                            return ParsedCommandLine.Fail($"Invalid value '{value}' for '--{name}': expected {string.Join(", ", flag.Choices.Keys)}.");
                        }

                        settings.Add(new(flag.Key, written));
                        break;
                    case FlagKind.Address when name == "host":
                        host = value;
                        break;
                    case FlagKind.Address when name == "port":
                        port = value;
                        break;
                    case FlagKind.Address:
                        uds = value;
                        break;
                    case FlagKind.Repeated:
                        var index = settings.Count(s => s.Key.StartsWith(flag.Key + ":", StringComparison.Ordinal));
                        settings.Add(new($"{flag.Key}:{index}", value));
                        break;
                    default:
                        settings.Add(new(flag.Key, value));
                        break;
                }
            }
            else if (IsSectionKey(name) || s_hostKeys.Contains(name))
            {
                if (!TryTakeValue(args, ref i, inline, out var value))
                {
                    return MissingValue(name, "VALUE");
                }

                urls |= name.Equals("urls", StringComparison.OrdinalIgnoreCase);
                settings.Add(new(name, value));
            }
            else if (UvicornFlags.Refused.TryGetValue(name, out var reason))
            {
                // uvicorn's defaults (one worker, the "auto" protocol implementations) are what the host does anyway.
                if (UvicornFlags.AcceptedDefaults.TryGetValue(name, out var accepted) && TryTakeValue(args, ref i, inline, out var given)
                    && given.Trim().Equals(accepted, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                return ParsedCommandLine.Fail($"Option '--{name}' is not available: {reason}.");
            }
            else
            {
                return ParsedCommandLine.Fail($"Unknown option '--{name}'.");
            }
        }

        if (PythonConflict(settings) is { } conflict)
        {
            return ParsedCommandLine.Fail(conflict);
        }

        if (uds is not null && (host is not null || port is not null || urls))
        {
            return ParsedCommandLine.Fail("Option '--uds' cannot be combined with '--host', '--port' or '--urls'.");
        }

        if ((host is not null || port is not null) && urls)
        {
            return ParsedCommandLine.Fail("Options '--host' / '--port' and '--urls' cannot be combined: give the address one way.");
        }

        if (uds is not null)
        {
            // uvicorn takes a relative path; a unix url needs an absolute one.
            settings.Add(new("urls", $"http://unix:{Path.GetFullPath(uds)}"));
        }
        else if (host is not null || port is not null)
        {
            settings.Add(new("urls", $"http://{BracketIPv6(host ?? DefaultHost)}:{port ?? DefaultPort}"));
        }

        return ParsedCommandLine.Run(settings);
    }

    /// <summary>The Python flags need <c>--python</c>, which serves a Python app instead of a built-in one (<c>--app</c>).</summary>
    private static string? PythonConflict(List<KeyValuePair<string, string>> settings)
    {
        var python = settings.Exists(s => s.Key == PythonFlags.AppKey);
        if (python && settings.Exists(s => s.Key.Equals("app", StringComparison.OrdinalIgnoreCase)))
        {
            return "Options '--python' and '--app' cannot be combined: serve a Python app or a built-in one.";
        }

        var orphan = settings.Find(s => s.Key.StartsWith("Python:", StringComparison.Ordinal) && s.Key != PythonFlags.AppKey);
        if (!python && orphan.Key is not null)
        {
            // A repeatable flag's values are items of its key (Python:ReloadDirs:0).
            var flag = Array.Find(PythonFlags.All, f => f.Key == orphan.Key || orphan.Key.StartsWith(f.Key + ":", StringComparison.Ordinal));
            return $"Option '--{flag?.Name ?? orphan.Key}' needs '--python MODULE:ATTR'.";
        }

        return null;
    }

    /// <summary>The value after <c>=</c>, else the next argument unless it is itself an option.</summary>
    private static bool TryTakeValue(IReadOnlyList<string> args, ref int i, string? inline, out string value)
    {
        if (inline is not null)
        {
            value = inline;
            return true;
        }

        if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            value = args[++i];
            return true;
        }

        value = "";
        return false;
    }

    /// <summary><c>MODULE:ATTR</c>, as uvicorn's APP argument is written (<c>main:app</c>, <c>pkg.asgi:application</c>).</summary>
    private static bool IsAppSpec(string arg)
    {
        var colon = arg.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && colon < arg.Length - 1 && !arg.StartsWith('-') && !arg.Contains('/', StringComparison.Ordinal) && !arg.Contains('=', StringComparison.Ordinal);
    }

    /// <summary><c>Section:Key</c>, as the configuration's command-line source reads it: a colon inside the name.</summary>
    private static bool IsSectionKey(string name) =>
        name.Contains(':', StringComparison.Ordinal) && name[0] != ':' && name[^1] != ':';

    /// <summary>An IPv6 literal in a URL is written in brackets (RFC 3986 section 3.2.2).</summary>
    private static string BracketIPv6(string host) =>
        host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    private static ParsedCommandLine MissingValue(string name, string valueName) =>
        ParsedCommandLine.Fail($"Option '--{name}' needs a value: --{name} {valueName} or --{name}={valueName}.");
}
