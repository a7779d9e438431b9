using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using AsgiBridge.Host.Cli;
using AsgiBridge.Tests.Hosting;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Proxy;

/// <summary>
/// The systemd unit and the instance template of docs/deploy.md, taken from the document as written:
/// <c>systemd-analyze verify</c> accepts them (skipped, with the reason, without it); their directives agree with the
/// host (the <c>ExecStart</c> flags parse, <c>RestartPreventExitStatus</c> is the host's exit codes 2 and 3,
/// <c>TimeoutStopSec</c> outlasts <c>--timeout-graceful-shutdown</c>, SIGTERM stops it); the template is the unit
/// with an instance name; and the host started with <c>ExecStart</c>'s arguments and the unit's <c>UMask</c> serves
/// on the socket with the permissions the document describes, exits 0 on SIGTERM and when recycled.
/// </summary>
public sealed class SystemdRecipeTests : IDisposable
{
    private const string SystemdAnalyze = "/usr/bin/systemd-analyze";
    private const string DocBinary = "/srv/asgibridge/MyApp";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);

    /// <summary>The host's graceful-shutdown timeout when no flag sets it (the generic host's default).</summary>
    private const int DefaultShutdownSeconds = 30;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("asgibridge-systemd-");

    public static TheoryData<string> Units => new() { "unit", "template" };

    [Theory]
    [MemberData(nameof(Units))]
    public void The_units_directives_agree_with_the_hosts_flags_and_exit_codes(string which)
    {
        var unit = Unit.Parse(Extract(which));
        var (binary, settings) = ExecStart(unit);
        Assert.Equal(DocBinary, binary);

        // The host stops gracefully on SIGTERM, and systemd waits longer than that before its SIGKILL.
        Assert.Equal("SIGTERM", unit["Service", "KillSignal"]);
        var graceful = settings.TryGetValue("shutdownTimeoutSeconds", out var flag) ? int.Parse(flag, CultureInfo.InvariantCulture) : DefaultShutdownSeconds;
        Assert.True(Seconds(unit["Service", "TimeoutStopSec"]) > graceful, $"TimeoutStopSec={unit["Service", "TimeoutStopSec"]} is not above the graceful shutdown's {graceful} s");

        // The exit codes that restarting cannot fix, and only those.
        var prevent = unit["Service", "RestartPreventExitStatus"].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Order();
        Assert.Equal([ExitCodes.UsageError, ExitCodes.StartupFailed], prevent);

        // Recycling exits 0: only Restart=always starts the process again after it.
        Assert.True(settings.ContainsKey("Asgi:LimitMaxRequests"), "the recipe recycles with --limit-max-requests");
        Assert.Equal("always", unit["Service", "Restart"]);

        // The socket lives in the runtime directory systemd creates, trusted as "unix".
        var socket = UnixSocket(settings);
        Assert.Equal($"/run/{unit["Service", "RuntimeDirectory"]}", Path.GetDirectoryName(socket));
        Assert.Equal("unix", settings["Asgi:ForwardedAllowIps"]);

        // The socket is rw for owner and group (nginx's) and nothing for others.
        var mode = SocketMode(unit);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute));
        Assert.True(int.Parse(unit["Service", "LimitNOFILE"], CultureInfo.InvariantCulture) > 1024);
    }

    [Fact]
    public void The_template_is_the_unit_with_the_instance_name_in_its_directory_and_socket()
    {
        var unit = Unit.Parse(Extract("unit"));
        var template = Unit.Parse(Extract("template"));
        string[] differ = ["Description", "RuntimeDirectory", "ExecStart"];
        Assert.Equal(unit.Entries.Where(e => !differ.Contains(e.Key)), template.Entries.Where(e => !differ.Contains(e.Key)));
        Assert.Equal("asgibridge-%i", template["Service", "RuntimeDirectory"]);

        // The same flags, but for the socket's path.
        var (_, unitSettings) = ExecStart(unit);
        var (_, templateSettings) = ExecStart(template);
        Assert.Equal("/run/asgibridge-%i/app.sock", UnixSocket(templateSettings));
        unitSettings.Remove("urls");
        templateSettings.Remove("urls");
        Assert.Equal(unitSettings.OrderBy(s => s.Key), templateSettings.OrderBy(s => s.Key));
    }

    [SkippableFact]
    public async Task Systemd_analyze_verify_accepts_the_unit_and_an_instance_of_the_template()
    {
        Skip.IfNot(File.Exists(SystemdAnalyze), $"systemd-analyze is not installed at {SystemdAnalyze} (Debian package 'systemd'; .ci/run installs it).");

        // verify checks that ExecStart's program exists and is executable: the host's own executable stands in.
        var apphost = Path.Combine(AppContext.BaseDirectory, "Host");
        Assert.True(File.Exists(apphost), $"{apphost} is missing");
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "asgibridge.service"), Extract("unit").Replace(DocBinary, apphost, StringComparison.Ordinal));
        await File.WriteAllTextAsync(Path.Combine(_folder.FullName, "asgibridge@.service"), Extract("template").Replace(DocBinary, apphost, StringComparison.Ordinal));

        // Without a running systemd, verify loads the files and reports unknown keys, values it cannot parse and
        // programs it cannot run (as warnings, with exit code 0 for some of them: any output fails the test).
        // asgibridge@1.service is the template instantiated, %i expanded. Units it merely refers to are not judged.
        var start = new ProcessStartInfo(SystemdAnalyze) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "verify", "--man=no", "--recursive-errors=no", Path.Combine(_folder.FullName, "asgibridge.service"), Path.Combine(_folder.FullName, "asgibridge@1.service") })
        {
            start.ArgumentList.Add(arg);
        }

        using var verify = Process.Start(start)!;
        var output = verify.StandardOutput.ReadToEndAsync();
        var errors = verify.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_timeout);
        await verify.WaitForExitAsync(timeout.Token);
        var all = (await output + await errors).Trim();
        Assert.True(verify.ExitCode == 0, $"systemd-analyze verify exited {verify.ExitCode}:\n{all}");
        Assert.True(all.Length == 0, "systemd-analyze verify:\n" + all);
    }

    [SkippableTheory]
    [MemberData(nameof(Units))]
    public async Task The_host_started_as_ExecStart_serves_on_the_socket_and_exits_0_on_SIGTERM(string which)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new SkipException("unix sockets, umask and signals");
        }

        var unit = Unit.Parse(Extract(which));
        var socket = Path.Combine(_folder.FullName, "app.sock");
        using var host = StartAsExecStart(unit, socket, limitMaxRequests: null);
        await host.WaitForOutputAsync($"Serving app 'echo' on http://unix:{socket}", s_timeout);

        Assert.Equal(SocketMode(unit), File.GetUnixFileMode(socket));
        using (var client = await RawClient.ConnectAsync(new UnixDomainSocketEndPoint(socket)))
        {
            await client.SendAsync("GET /through-the-socket HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        }

        var stopping = Stopwatch.StartNew();
        await SignalAsync(host.Id, "TERM");
        Assert.Equal(ExitCodes.Success, await host.WaitForExitAsync(TimeSpan.FromSeconds(Seconds(unit["Service", "TimeoutStopSec"]))));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(Seconds(unit["Service", "TimeoutStopSec"])));
    }

    [SkippableFact]
    public async Task The_host_recycled_by_limit_max_requests_exits_0_which_only_Restart_always_restarts()
    {
        if (OperatingSystem.IsWindows())
        {
            throw new SkipException("unix sockets, umask and signals");
        }

        var unit = Unit.Parse(Extract("unit"));
        var socket = Path.Combine(_folder.FullName, "app.sock");
        using var host = StartAsExecStart(unit, socket, limitMaxRequests: 2);
        await host.WaitForOutputAsync($"Serving app 'echo' on http://unix:{socket}", s_timeout);
        using (var client = await RawClient.ConnectAsync(new UnixDomainSocketEndPoint(socket)))
        {
            await client.SendAsync("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.All(await client.ReadResponsesAsync(2), r => Assert.Equal(200, r.Status));
        }

        Assert.Equal(ExitCodes.Success, await host.WaitForExitAsync(s_timeout));
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static string Extract(string which) =>
        DeployDoc.Block(which == "unit" ? "<!-- deploy-systemd-unit -->" : "<!-- deploy-systemd-template -->", "ini");

    /// <summary>ExecStart's program and the configuration its arguments set, through the host's own parser.</summary>
    private static (string Binary, Dictionary<string, string> Settings) ExecStart(Unit unit)
    {
        var words = DeployDoc.SplitCommand(unit["Service", "ExecStart"]);
        var parsed = CommandLine.Parse([.. words.Skip(1)]);
        Assert.True(parsed.Action == CommandLineAction.Run, $"the host refuses ExecStart's arguments: {parsed.Error}");
        return (words[0], parsed.Settings.ToDictionary(s => s.Key, s => s.Value));
    }

    private static string UnixSocket(Dictionary<string, string> settings)
    {
        const string Prefix = "http://unix:";
        var urls = settings["urls"];
        Assert.StartsWith(Prefix, urls, StringComparison.Ordinal);
        return urls[Prefix.Length..];
    }

    /// <summary>The mode a socket gets under the unit's <c>UMask</c> (created 0777, as Kestrel binds it).</summary>
    private static UnixFileMode SocketMode(Unit unit) =>
        (UnixFileMode)(Convert.ToInt32("777", 8) & ~Convert.ToInt32(unit["Service", "UMask"], 8));

    /// <summary>A systemd time span: seconds, or a number with a unit (<c>30s</c>, <c>1min</c>).</summary>
    private static double Seconds(string span)
    {
        if (double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds;
        }

        foreach (var (suffix, factor) in new[] { ("ms", 0.001), ("min", 60.0), ("s", 1.0) })
        {
            if (span.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(span[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return value * factor;
            }
        }

        Assert.Fail($"not a time span this test reads: {span}");
        return 0;
    }

    /// <summary>
    /// The host as systemd would start it: ExecStart's arguments (the instance name 1 for the template's %i, the
    /// socket in a temporary directory instead of the runtime directory; <paramref name="limitMaxRequests"/>, if
    /// given, instead of the document's), under the unit's <c>UMask</c>, serving the echo app.
    /// </summary>
    private static HostProcess StartAsExecStart(Unit unit, string socket, int? limitMaxRequests)
    {
        var words = DeployDoc.SplitCommand(unit["Service", "ExecStart"].Replace("%i", "1", StringComparison.Ordinal));
        var runtime = $"/run/{unit["Service", "RuntimeDirectory"].Replace("%i", "1", StringComparison.Ordinal)}/";
        var args = new List<string>();
        for (var i = 1; i < words.Count; i++)
        {
            var word = words[i];
            if (word.Contains(runtime, StringComparison.Ordinal))
            {
                word = word.Replace(runtime + Path.GetFileName(word), socket, StringComparison.Ordinal);
            }

            args.Add(word);
            if (word == "--limit-max-requests" && limitMaxRequests is { } limit)
            {
                args.Add(limit.ToString(CultureInfo.InvariantCulture));
                i++;
            }
        }

        Assert.Contains($"http://unix:{socket}", args);
        args.AddRange(["--app", "echo"]);
        string[] umask = ["sh", "-c", $"umask {unit["Service", "UMask"]} && exec \"$@\"", "sh"];
        return HostProcess.StartWith(umask, [.. args]);
    }

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>A unit file's directives in order: section, key, value (continuation lines joined).</summary>
    private sealed class Unit
    {
        private Unit(List<(string Section, string Key, string Value)> entries) => Entries = entries;

        public IReadOnlyList<(string Section, string Key, string Value)> Entries { get; }

        public string this[string section, string key]
        {
            get
            {
                var found = Entries.Where(e => e.Section == section && e.Key == key).ToList();
                Assert.True(found.Count == 1, $"[{section}] {key}= is set {found.Count} times");
                return found[0].Value;
            }
        }

        public static Unit Parse(string text)
        {
            var entries = new List<(string, string, string)>();
            string? section = null;
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.Length == 0 || line[0] is '#' or ';')
                {
                    continue;
                }

                if (line[0] == '[')
                {
                    Assert.EndsWith("]", line, StringComparison.Ordinal);
                    section = line[1..^1];
                    continue;
                }

                while (line.EndsWith('\\') && i + 1 < lines.Length)
                {
                    line += "\n" + lines[++i].Trim();
                }

                var equals = line.IndexOf('=', StringComparison.Ordinal);
                Assert.True(section is not null && equals > 0, $"not a directive in a section: {line}");
                entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
            }

            return new Unit(entries);
        }
    }
}
