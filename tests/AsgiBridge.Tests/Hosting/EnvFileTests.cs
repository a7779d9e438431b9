using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using AsgiBridge.Host.Cli;
using AsgiBridge.Host.Startup;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// <c>--env-file</c>: python-dotenv's format read as uvicorn's <c>load_dotenv</c> reads it (variables already set
/// are kept), strictly: a line python-dotenv would skip with a warning stops the start, naming the file and line.
/// </summary>
public sealed class EnvFileTests
{
    private static readonly TimeSpan s_exitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>One of each construct python-dotenv reads.</summary>
    private const string Sample =
        "# a comment\n" +
        "\n" +
        "PLAIN=value\n" +
        "export EXPORTED=yes\n" +
        "  SPACED = around  \n" +
        "INLINE=kept # dropped\n" +
        "HASH=a#b\n" +
        "SINGLE='single # kept \\' \\n'\n" +
        "DOUBLE=\"tab\\there \\\"q\\\" \\\\ end\"\n" +
        "MULTI=\"first\nsecond\"\n" +
        "'QUOTED_KEY'=qk\n" +
        "EMPTY=\n" +
        "NOVALUE\n" +
        "REF=${PLAIN}-${MISSING:-fallback}-${NOVALUE:-d}\n" +
        "CRLF=windows\r\n" +
        "LAST=no newline at the end";

    [Fact]
    public void Every_construct_parses_as_python_dotenv_reads_it()
    {
        Assert.True(EnvFile.TryParse(Sample, out var bindings, out var line, out var problem), $"line {line}: {problem}");
        var values = EnvFile.Resolve(bindings, _ => null).ToDictionary(b => b.Key, b => b.Value);
        Assert.Equal("value", values["PLAIN"]);
        Assert.Equal("yes", values["EXPORTED"]);
        Assert.Equal("around", values["SPACED"]);
        Assert.Equal("kept", values["INLINE"]);
        Assert.Equal("a#b", values["HASH"]);
        Assert.Equal("single # kept ' \\n", values["SINGLE"]);
        Assert.Equal("tab\there \"q\" \\ end", values["DOUBLE"]);
        Assert.Equal("first\nsecond", values["MULTI"]);
        Assert.Equal("qk", values["QUOTED_KEY"]);
        Assert.Equal("", values["EMPTY"]);
        Assert.False(values.ContainsKey("NOVALUE")); // a name without '=' sets nothing
        Assert.Equal("value-fallback-", values["REF"]); // a listed name without a value expands to empty
        Assert.Equal("windows", values["CRLF"]);
        Assert.Equal("no newline at the end", values["LAST"]);
    }

    [Fact]
    public void The_values_match_python_dotenv_itself()
    {
        var python = "/usr/bin/python3";
        if (!File.Exists(python) || !CanImportDotenv(python))
        {
            return; // python-dotenv (what uvicorn's --env-file uses) is not installed here
        }

        var path = Path.Combine(Path.GetTempPath(), $"asgibridge-env-{Guid.NewGuid():N}");
        File.WriteAllText(path, Sample);
        try
        {
            var start = new ProcessStartInfo(python, ["-c", "import json,sys; from dotenv import dotenv_values; print(json.dumps({k: v for k, v in dotenv_values(sys.argv[1]).items() if v is not None}))", path])
            {
                RedirectStandardOutput = true,
            };
            start.Environment.Remove("PLAIN");
            start.Environment.Remove("MISSING");
            using var process = Process.Start(start)!;
            var expected = JsonSerializer.Deserialize<Dictionary<string, string>>(process.StandardOutput.ReadToEnd())!;
            process.WaitForExit();

            Assert.True(EnvFile.TryParse(Sample, out var bindings, out _, out _));
            var actual = EnvFile.Resolve(bindings, _ => null).ToDictionary(b => b.Key, b => b.Value);
            Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), actual.OrderBy(p => p.Key, StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("OK=1\nFOO BAR\n", 2)]
    [InlineData("OK=1\n\n=value\n", 3)]
    [InlineData("A=\"never closed\nB=2\n", 1)]
    [InlineData("A='x' trailing\n", 1)]
    [InlineData("'A=B'=1\n", 1)]
    [InlineData("# fine\nexport \n", 2)]
    public void A_malformed_line_is_refused_naming_its_line(string text, int expectedLine)
    {
        Assert.False(EnvFile.TryParse(text, out _, out var line, out var problem));
        Assert.Equal(expectedLine, line);
        Assert.NotEmpty(problem);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void Variables_expand_from_the_environment_first_then_the_files_earlier_lines()
    {
        Assert.True(EnvFile.TryParse("A=file\nB=${A}\nC=${HOME_LIKE}/x\nD=${A:-unused}\nE=${UNSET_ONE:-dflt}\nF=${A", out var bindings, out _, out _));
        var environment = new Dictionary<string, string> { ["A"] = "env", ["HOME_LIKE"] = "/home/u" };
        var values = EnvFile.Resolve(bindings, name => environment.GetValueOrDefault(name)).ToDictionary(b => b.Key, b => b.Value);
        Assert.Equal("env", values["B"]); // override=False: the environment's value, as the variable itself keeps it
        Assert.Equal("/home/u/x", values["C"]);
        Assert.Equal("env", values["D"]);
        Assert.Equal("dflt", values["E"]);
        Assert.Equal("${A", values["F"]);
    }

    [Fact]
    public void Loading_sets_new_variables_and_keeps_those_already_set()
    {
        var suffix = Guid.NewGuid().ToString("N");
        var kept = $"ASGIBRIDGE_KEPT_{suffix}";
        var added = $"ASGIBRIDGE_ADDED_{suffix}";
        var path = Path.Combine(Path.GetTempPath(), $"asgibridge-env-{suffix}");
        File.WriteAllText(path, $"{kept}=from-file\n{added}=\"from file\"\n");
        Environment.SetEnvironmentVariable(kept, "from-environment");
        try
        {
            Assert.Null(EnvFile.Load(path));
            Assert.Equal("from-environment", Environment.GetEnvironmentVariable(kept));
            Assert.Equal("from file", Environment.GetEnvironmentVariable(added));
        }
        finally
        {
            Environment.SetEnvironmentVariable(kept, null);
            Environment.SetEnvironmentVariable(added, null);
            File.Delete(path);
        }
    }

    [Fact]
    public void The_flag_is_parsed_as_uvicorns()
    {
        var parsed = CommandLine.Parse(["--env-file", ".env"]);
        Assert.Equal([new(UvicornFlags.EnvFileKey, ".env")], parsed.Settings);
    }

    [Fact]
    public async Task A_missing_file_is_one_line_and_exit_3()
    {
        var path = Path.Combine(Path.GetTempPath(), $"asgibridge-missing-{Guid.NewGuid():N}.env");
        using var host = HostProcess.Start("--app", "hello", "--port", "0", "--env-file", path);
        Assert.Equal(3, await host.WaitForExitAsync(s_exitTimeout));
        var line = Assert.Single(host.Stderr, l => l.Length > 0);
        Assert.Equal($"Host failed to start: --env-file '{path}': the file does not exist.", line);
    }

    [Fact]
    public async Task A_malformed_file_is_one_line_naming_the_line_and_exit_3()
    {
        var path = Path.Combine(Path.GetTempPath(), $"asgibridge-env-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, "GOOD=1\n# comment\nNOT VALID\n");
        try
        {
            using var host = HostProcess.Start("--app", "hello", "--port", "0", $"--env-file={path}");
            Assert.Equal(3, await host.WaitForExitAsync(s_exitTimeout));
            var line = Assert.Single(host.Stderr, l => l.Length > 0);
            Assert.StartsWith($"Host failed to start: --env-file '{path}' line 3: ", line, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task The_files_variables_are_read_before_the_settings()
    {
        var path = Path.Combine(Path.GetTempPath(), $"asgibridge-env-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, "Asgi__RootPath=/from-env-file\n");
        var port = FreePort();
        try
        {
            using var host = HostProcess.Start("--app", "echo", "--port", port.ToString(CultureInfo.InvariantCulture), "--env-file", path);
            await host.WaitForOutputAsync($"on http://127.0.0.1:{port}", s_exitTimeout);
            using var client = new HttpClient();
            using var json = JsonDocument.Parse(await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/")));
            Assert.Equal("/from-env-file", json.RootElement.GetProperty("root_path").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static bool CanImportDotenv(string python)
    {
        using var process = Process.Start(new ProcessStartInfo(python, ["-c", "import dotenv"]) { RedirectStandardError = true })!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
