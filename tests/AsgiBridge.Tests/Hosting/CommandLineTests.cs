using System.Text.Json;
using AsgiBridge.Host.Apps;
using AsgiBridge.Host.Cli;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AsgiBridge.Tests.Hosting;

/// <summary>
/// The host's command line, translated before the host builder sees it: uvicorn's flags become configuration keys,
/// the host's own switches pass through, anything else is an error (exit 2).
/// </summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--root-path", "/api", "Asgi:RootPath", "/api")]
    [InlineData("--forwarded-allow-ips", "10.0.0.1,10.0.0.2", "Asgi:ForwardedAllowIps", "10.0.0.1,10.0.0.2")]
    [InlineData("--limit-concurrency", "100", "Asgi:LimitConcurrency", "100")]
    [InlineData("--limit-max-requests", "1000", "Asgi:LimitMaxRequests", "1000")]
    [InlineData("--backlog", "2048", "Asgi:Backlog", "2048")]
    [InlineData("--env-file", "deploy/.env", "envFile", "deploy/.env")]
    [InlineData("--timeout-keep-alive", "10", "Asgi:TimeoutKeepAlive", "10")]
    [InlineData("--timeout-graceful-shutdown", "15", "shutdownTimeoutSeconds", "15")]
    [InlineData("--ws-max-size", "1048576", "Asgi:WsMaxSize", "1048576")]
    [InlineData("--ws-ping-interval", "5", "Asgi:WsPingInterval", "5")]
    [InlineData("--ws-ping-timeout", "7.5", "Asgi:WsPingTimeout", "7.5")]
    [InlineData("--ws-per-message-deflate", "true", "Asgi:WsPerMessageDeflate", "true")]
    [InlineData("--ws-per-message-deflate", "False", "Asgi:WsPerMessageDeflate", "false")]
    [InlineData("--ws-per-message-deflate", "1", "Asgi:WsPerMessageDeflate", "true")]
    [InlineData("--ws-per-message-deflate", "0", "Asgi:WsPerMessageDeflate", "false")]
    [InlineData("--ws-per-message-deflate", "YES", "Asgi:WsPerMessageDeflate", "true")]
    [InlineData("--ws-per-message-deflate", "no", "Asgi:WsPerMessageDeflate", "false")]
    [InlineData("--ws-per-message-deflate", "y", "Asgi:WsPerMessageDeflate", "true")]
    [InlineData("--ws-per-message-deflate", "N", "Asgi:WsPerMessageDeflate", "false")]
    [InlineData("--ws-per-message-deflate", "t", "Asgi:WsPerMessageDeflate", "true")]
    [InlineData("--ws-per-message-deflate", "f", "Asgi:WsPerMessageDeflate", "false")]
    [InlineData("--ws-per-message-deflate", "On", "Asgi:WsPerMessageDeflate", "true")]
    [InlineData("--ws-per-message-deflate", "off", "Asgi:WsPerMessageDeflate", "false")]
    [InlineData("--lifespan", "auto", "Asgi:Lifespan", "auto")]
    [InlineData("--lifespan", "on", "Asgi:Lifespan", "on")]
    [InlineData("--lifespan", "off", "Asgi:Lifespan", "off")]
    [InlineData("--log-level", "critical", "Logging:LogLevel:Default", "Critical")]
    [InlineData("--log-level", "error", "Logging:LogLevel:Default", "Error")]
    [InlineData("--log-level", "warning", "Logging:LogLevel:Default", "Warning")]
    [InlineData("--log-level", "info", "Logging:LogLevel:Default", "Information")]
    [InlineData("--log-level", "debug", "Logging:LogLevel:Default", "Debug")]
    [InlineData("--log-level", "trace", "Logging:LogLevel:Default", "Trace")]
    [InlineData("--host", "0.0.0.0", "urls", "http://0.0.0.0:8000")]
    [InlineData("--host", "::1", "urls", "http://[::1]:8000")]
    [InlineData("--host", "[::]", "urls", "http://[::]:8000")]
    [InlineData("--port", "9000", "urls", "http://127.0.0.1:9000")]
    [InlineData("--uds", "/run/app.sock", "urls", "http://unix:/run/app.sock")]
    public void A_uvicorn_flag_with_a_value_sets_its_key_in_both_spellings(string flag, string value, string key, string expected)
    {
        Assert.Equal([new(key, expected)], Run(flag, value));
        Assert.Equal([new(key, expected)], Run($"{flag}={value}"));
    }

    [Theory]
    [InlineData("--proxy-headers", "Asgi:ProxyHeaders", "true")]
    [InlineData("--no-proxy-headers", "Asgi:ProxyHeaders", "false")]
    [InlineData("--access-log", "Asgi:AccessLog", "true")]
    [InlineData("--no-access-log", "Asgi:AccessLog", "false")]
    [InlineData("--server-header", "Asgi:ServerHeader", "true")]
    [InlineData("--no-server-header", "Asgi:ServerHeader", "false")]
    [InlineData("--date-header", "Asgi:DateHeader", "true")]
    [InlineData("--no-date-header", "Asgi:DateHeader", "false")]
    public void A_uvicorn_switch_sets_its_key_to_true_or_false(string flag, string key, string expected)
    {
        Assert.Equal([new(key, expected)], Run(flag));
    }

    [Fact]
    public void Every_flag_in_the_table_is_covered_by_these_tests()
    {
        string[] tested =
        [
            "host", "port", "uds", "root-path", "proxy-headers", "no-proxy-headers", "forwarded-allow-ips", "log-level",
            "access-log", "no-access-log", "limit-concurrency", "limit-max-requests", "timeout-keep-alive",
            "timeout-graceful-shutdown", "ws-max-size", "ws-ping-interval", "ws-ping-timeout", "lifespan",
            "server-header", "no-server-header", "date-header", "no-date-header", "ws-per-message-deflate", "backlog", "header", "env-file",
        ];
        Assert.Equal(tested.Order(StringComparer.Ordinal), UvicornFlags.All.Select(f => f.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_header_flag_repeats_into_a_list()
    {
        Assert.Equal([new("Asgi:Headers:0", "X-A:1"), new("Asgi:Headers:1", "x-b: 2=3")], Run("--header", "X-A:1", "--header=x-b: 2=3"));
    }

    [Fact]
    public void Host_and_port_together_make_one_address()
    {
        Assert.Equal([new("urls", "http://0.0.0.0:9000")], Run("--port", "9000", "--host", "0.0.0.0"));
    }

    [Fact]
    public void A_relative_unix_socket_path_is_made_absolute()
    {
        Assert.Equal([new("urls", $"http://unix:{Path.GetFullPath("app.sock")}")], Run("--uds", "app.sock"));
    }

    [Fact]
    public void The_host_switches_and_section_keys_pass_through_in_order()
    {
        var settings = Run(
            "--app", "echo", "--urls=http://127.0.0.1:8001", "--Asgi:TimeoutKeepAlive=10", "--Logging:Console:FormatterName", "json",
            "--shutdownTimeoutSeconds=10", "--environment", "Staging", "--contentRoot=/srv", "--applicationName", "x", "--Asgi:RootPath=");
        Assert.Equal(
            [
                new("app", "echo"), new("urls", "http://127.0.0.1:8001"), new("Asgi:TimeoutKeepAlive", "10"),
                new("Logging:Console:FormatterName", "json"), new("shutdownTimeoutSeconds", "10"), new("environment", "Staging"),
                new("contentRoot", "/srv"), new("applicationName", "x"), new("Asgi:RootPath", ""),
            ],
            settings);
    }

    [Fact]
    public void The_builder_receives_each_setting_as_one_key_value_argument()
    {
        var parsed = CommandLine.Parse(["--port", "9000", "--root-path", "/a=b", "--app", "hello"]);
        Assert.Equal(["--Asgi:RootPath=/a=b", "--app=hello", "--urls=http://127.0.0.1:9000"], parsed.ToArgs());
    }

    [Fact]
    public void No_arguments_set_nothing()
    {
        Assert.Empty(Run());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_wins_over_everything_else_on_the_line(string help)
    {
        Assert.Equal(CommandLineAction.Help, CommandLine.Parse(["--bogus", help, "--version"]).Action);
    }

    [Fact]
    public void Version_is_recognised()
    {
        Assert.Equal(CommandLineAction.Version, CommandLine.Parse(["--port", "1", "--version"]).Action);
    }

    [Theory]
    [InlineData("--bogus", "'--bogus'")]
    [InlineData("--Port=8000", "'--Port'")]
    [InlineData("--reload", "'--reload'")]
    [InlineData("--http_ports=80", "'--http_ports'")]
    [InlineData("--:x=1", "'--:x'")]
    [InlineData("-p", "'-p'")]
    [InlineData("--", "'--'")]
    [InlineData("demo", "'demo'")]
    [InlineData("/app=demo", "'/app=demo'")]
    public void An_unknown_option_or_a_stray_argument_is_an_error_naming_it(string arg, string named)
    {
        var parsed = CommandLine.Parse(["--port", "9000", arg]);
        Assert.Equal(CommandLineAction.Error, parsed.Action);
        Assert.Contains(named, parsed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', parsed.Error!);
    }

    [Theory]
    [InlineData("--workers", "4", "docs/deploy.md")]
    [InlineData("--workers=2", null, "docs/deploy.md")]
    [InlineData("--http", "httptools", "AsgiBridge's own")]
    [InlineData("--http", "h11", "only --http auto")]
    [InlineData("--ws", "none", "only --ws auto")]
    [InlineData("--ws", "websockets", "AsgiBridge's own")]
    [InlineData("--fd", "3", "--uds")]
    [InlineData("--log-config", "log.yaml", "Logging")]
    [InlineData("--use-colors", null, "no colours")]
    [InlineData("--no-use-colors", null, "no colours")]
    [InlineData("--ssl-keyfile", "key.pem", "https://")]
    [InlineData("--ssl-certfile", "cert.pem", "https://")]
    [InlineData("--ssl-keyfile-password", "x", "https://")]
    [InlineData("--ssl-version", "17", "https://")]
    [InlineData("--ssl-cert-reqs", "0", "https://")]
    [InlineData("--ssl-ca-certs", "ca.pem", "https://")]
    [InlineData("--ssl-ciphers", "TLSv1", "https://")]
    public void A_uvicorn_flag_the_host_refuses_says_why_in_one_line(string flag, string? value, string why)
    {
        var parsed = CommandLine.Parse(value is null ? [flag] : [flag, value]);
        Assert.Equal(CommandLineAction.Error, parsed.Action);
        var name = flag.Split('=')[0];
        Assert.StartsWith($"Option '{name}' is not available: ", parsed.Error, StringComparison.Ordinal);
        Assert.Contains(why, parsed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', parsed.Error!);
    }

    [Theory]
    [InlineData("--workers", "1")]
    [InlineData("--workers=1")]
    [InlineData("--http", "auto")]
    [InlineData("--ws=auto")]
    [InlineData("--ws", "AUTO")]
    public void Uvicorns_defaults_of_refused_flags_are_what_the_host_does_anyway(params string[] args)
    {
        Assert.Equal([new("Asgi:RootPath", "/a")], Run([.. args, "--root-path", "/a"]));
    }

    [Fact]
    public void Uvicorns_app_argument_is_pointed_at_the_python_flag()
    {
        var parsed = CommandLine.Parse(["main:app", "--app-dir", "src"]);
        Assert.Equal(CommandLineAction.Error, parsed.Action);
        Assert.Contains("--python main:app", parsed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--port")]
    [InlineData("--log-level")]
    [InlineData("--root-path")]
    [InlineData("--app")]
    [InlineData("--urls")]
    [InlineData("--Asgi:TimeoutKeepAlive")]
    public void An_option_missing_its_value_is_an_error(string flag)
    {
        foreach (var args in new[] { new[] { flag }, [flag, "--app", "hello"] })
        {
            var parsed = CommandLine.Parse(args);
            Assert.Equal(CommandLineAction.Error, parsed.Action);
            Assert.Contains($"'{flag}' needs a value", parsed.Error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--log-level", "verbose")]
    [InlineData("--log-level", "INFO")]
    [InlineData("--lifespan", "maybe")]
    [InlineData("--ws-per-message-deflate", "maybe")]
    [InlineData("--ws-per-message-deflate", "2")]
    [InlineData("--ws-per-message-deflate", "")]
    public void A_value_outside_a_flags_choices_is_an_error(string flag, string value)
    {
        var parsed = CommandLine.Parse([$"{flag}={value}"]);
        Assert.Equal(CommandLineAction.Error, parsed.Action);
        Assert.Contains($"'{value}'", parsed.Error, StringComparison.Ordinal);
        Assert.Contains($"'{flag}'", parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_header_switches_turn_the_servers_date_and_server_headers_off_on_the_wire()
    {
        var args = CommandLine.Parse(["--no-server-header", "--no-date-header", "--ws-per-message-deflate", "off"]).ToArgs();
        await using var server = await TestServer.StartAsync(EchoApp.App, args: args);
        Assert.False(server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AsgiServerOptions>>().Value.WsPerMessageDeflate);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = await client.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal(0, response.HeaderCount("server"));
        Assert.Equal(0, response.HeaderCount("date"));

        var on = CommandLine.Parse(["--server-header", "--date-header"]).ToArgs();
        await using var defaults = await TestServer.StartAsync(EchoApp.App, args: on);
        using var second = await RawClient.ConnectAsync(defaults);
        await second.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var withHeaders = await second.ReadResponseAsync();
        Assert.Equal("asgibridge", withHeaders.Header("server"));
        Assert.Equal(1, withHeaders.HeaderCount("date"));
    }

    [Fact]
    public void A_switch_given_a_value_is_an_error()
    {
        Assert.Equal(CommandLineAction.Error, CommandLine.Parse(["--proxy-headers=false"]).Action);
    }

    [Theory]
    [InlineData("--host", "0.0.0.0", "--urls", "http://127.0.0.1:1")]
    [InlineData("--urls", "http://127.0.0.1:1", "--port", "2")]
    [InlineData("--uds", "/tmp/a.sock", "--port", "2")]
    [InlineData("--uds", "/tmp/a.sock", "--urls", "http://127.0.0.1:1")]
    public void Address_flags_that_contradict_each_other_are_an_error(string a, string aValue, string b, string bValue)
    {
        Assert.Equal(CommandLineAction.Error, CommandLine.Parse([a, aValue, b, bValue]).Action);
    }

    [Fact]
    public async Task Translated_flags_bind_as_settings_of_a_running_host()
    {
        var args = CommandLine.Parse(["--root-path", "/api", "--timeout-keep-alive", "0.5", "--ws-max-size=4096"]).ToArgs();
        await using var server = await TestServer.StartAsync(EchoApp.App, args: args);
        var options = server.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AsgiServerOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(0.5), options.TimeoutKeepAlive);
        Assert.Equal(4096, options.WsMaxSize);
        using var client = await RawClient.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        using var json = JsonDocument.Parse((await client.ReadResponseAsync()).BodyText);
        Assert.Equal("/api", json.RootElement.GetProperty("root_path").GetString());
    }

    private static KeyValuePair<string, string>[] Run(params string[] args)
    {
        var parsed = CommandLine.Parse(args);
        Assert.True(parsed.Action == CommandLineAction.Run, parsed.Error);
        return [.. parsed.Settings];
    }
}
