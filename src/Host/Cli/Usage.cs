using System.Reflection;
using System.Text;
using AsgiBridge.Host.Apps;

namespace AsgiBridge.Host.Cli;

/// <summary>The text of <c>--help</c> and <c>--version</c>.</summary>
internal static class Usage
{
    private const int Column = 38;

    /// <summary>The usage text: the host's own options, uvicorn's flags with the keys they set, common settings, exit codes.</summary>
    public static string Text { get; } = Build();

    /// <summary>The library's informational version (with the commit when the build records one), and the runtime.</summary>
    public static string VersionLine
    {
        get
        {
            var assembly = typeof(AsgiApp).Assembly;
            var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString()
                ?? "unknown";
            return $"AsgiBridge {version} (.NET {Environment.Version})";
        }
    }

    private static string Build()
    {
        var text = new StringBuilder();
        text.AppendLine("Usage: dotnet run --project src/Host -- [options]     (or: dotnet Host.dll [options])");
        text.AppendLine();
        text.AppendLine("Serves a built-in ASGI app on Kestrel through AsgiBridge.");
        text.AppendLine();
        text.AppendLine("Options:");
        Line(text, "--app NAME", $"the app to serve: {string.Join(", ", BuiltInApps.Names)} (default {BuiltInApps.DefaultName})");
        Line(text, "--urls URLS", $"addresses, separated by ';' (default http://{CommandLine.DefaultHost}:{CommandLine.DefaultPort}):");
        Line(text, "", "http://HOST:PORT, https://HOST:PORT, http://unix:/abs/path.sock");
        Line(text, "--Section:Key=VALUE", "any configuration setting: --Asgi:TimeoutKeepAlive=10,");
        Line(text, "", "--Logging:Console:FormatterName=json, --shutdownTimeoutSeconds=10");
        Line(text, "--environment, --contentRoot", "and the other host keys (applicationName, shutdownTimeoutSeconds, ...)");
        Line(text, "-h, --help", "show this text and exit");
        Line(text, "--version", "show the version and exit");
        text.AppendLine();
        text.AppendLine("uvicorn's flags, and the setting each one sets:");
        foreach (var flag in UvicornFlags.All)
        {
            var usage = flag.TakesValue ? $"--{flag.Name} {flag.ValueName}" : $"--{flag.Name}";
            var meaning = flag switch
            {
                { Name: "host" } => $"urls http://HOST:PORT (default {CommandLine.DefaultHost}; not with --urls)",
                { Name: "port" } => $"urls http://HOST:PORT (default {CommandLine.DefaultPort}; not with --urls)",
                { Name: "uds" } => "urls http://unix:PATH",
                { Kind: FlagKind.On } => $"{flag.Key}=true",
                { Kind: FlagKind.Off } => $"{flag.Key}=false",
                { Name: "env-file" } => "set environment variables from PATH first (.env format; set ones are kept)",
                { Name: "header" } => $"{flag.Key} (repeatable): a header on every response",
                { ValueName: "BOOL" } => $"{flag.Key} (true/false, 1/0, yes/no, y/n, t/f, on/off)",
                { Kind: FlagKind.Choice } => $"{flag.Key} ({string.Join(", ", flag.Choices!.Keys)})",
                _ => flag.Key,
            };
            Line(text, usage, meaning);
        }

        text.AppendLine("Values go as --flag VALUE or --flag=VALUE; a malformed value is reported by the setting it sets.");
        text.AppendLine("Not available, each refused with the reason: --workers (but 1), --http and --ws (but auto), --fd, --log-config,");
        text.AppendLine("--use-colors/--no-use-colors, --ssl-* (TLS: --urls https://...).");
        text.AppendLine();
        text.AppendLine("Python ASGI apps (docs/python.md), in place of --app:");
        foreach (var flag in PythonFlags.All)
        {
            var usage = flag.TakesValue ? $"--{flag.Name} {flag.ValueName}" : $"--{flag.Name}";
            var meaning = flag switch
            {
                { Name: "python" } => "serve this Python app (uvicorn's APP argument)",
                { Name: "app-dir" } => "put DIR first on sys.path (default: none)",
                { Name: "factory" } => "MODULE:ATTR is a factory: call it to get the app",
                { Name: "python-exe" } => "the Python to embed (default $VIRTUAL_ENV/bin/python, else python3)",
                { Name: "python-lib" } => "its shared libpython (default: what sysconfig names)",
                { Name: "python-embed" } => "process: python3 runs this host (default; faster Python); library: load libpython",
                { Name: "python-sockets" } => "loop: socket I/O on the Python loop's thread (default); kestrel: Kestrel's threads",
                { Name: "reload" } => "restart the app when a *.py file changes (a watching parent runs it in a child)",
                { Name: "reload-dir" } => "watch DIR (repeatable; default: --app-dir, else the current directory)",
                { Name: "reload-include" } => "restart on changes to files GLOB matches too (repeatable; default *.py)",
                { Name: "reload-exclude" } => "not on files or directories GLOB matches (repeatable; default .*, .py[cod], .sw.*, ~*)",
                { Name: "reload-delay" } => "restart once the tree has been quiet this long (default 0.3)",
                { Kind: FlagKind.Choice } => $"{string.Join(", ", flag.Choices!.Keys)} (default auto)",
                _ => flag.Key,
            };
            Line(text, usage, meaning);
        }

        text.AppendLine();
        text.AppendLine("Common settings (section Asgi; all of them in docs/configuration.md):");
        Line(text, "TimeoutKeepAlive", "5 s; idle time allowed on a keep-alive connection");
        Line(text, "MaxRequestBodySize", "30000000 bytes (null: no limit)");
        Line(text, "RootPath", "\"\"; root_path given to the app");
        Line(text, "Lifespan", "auto; run the app's lifespan: auto, on, off");
        Line(text, "LimitConcurrency", "none; requests in flight beyond it get 503");
        Line(text, "WsMaxSize", "16777216 bytes; larger WebSocket messages close with 1009");
        text.AppendLine("Durations are seconds (5, 0.5) or hh:mm:ss. Environment variables work too: Asgi__TimeoutKeepAlive=10.");
        text.AppendLine();
        text.AppendLine("Exit codes:");
        Line(text, ExitCodes.Success.ToString(System.Globalization.CultureInfo.InvariantCulture), "stopped normally (Ctrl+C, SIGTERM, Asgi:LimitMaxRequests); --help, --version");
        Line(text, ExitCodes.UsageError.ToString(System.Globalization.CultureInfo.InvariantCulture), "bad command line: unknown option, option without its value, unknown app");
        Line(text, ExitCodes.StartupFailed.ToString(System.Globalization.CultureInfo.InvariantCulture), "start-up failed: bad setting or address, address in use, lifespan startup failed,");
        Line(text, "", "a Python app that cannot be loaded");
        Line(text, ExitCodes.ForcedExit.ToString(System.Globalization.CultureInfo.InvariantCulture), "a second Ctrl+C or SIGTERM: exit without waiting for requests");
        return text.ToString();
    }

    private static void Line(StringBuilder text, string left, string right)
    {
        text.Append("  ").Append(left);
        text.Append(' ', Math.Max(1, Column - left.Length));
        text.AppendLine(right);
    }
}
