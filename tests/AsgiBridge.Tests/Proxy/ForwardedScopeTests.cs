using System.Buffers;
using System.Text;
using AsgiBridge.Http1;
using AsgiBridge.Proxy;
using AsgiBridge.Tests.Http1;

namespace AsgiBridge.Tests.Proxy;

/// <summary>The scope built for a trusted peer's forwarding headers: client, scheme, host header, root_path and path.</summary>
public sealed class ForwardedScopeTests
{
    private static readonly AsgiEndpoint s_peer = new("127.0.0.1", 50000);

    private static AsgiScope Build(string request, bool trusted = true, bool host = true, bool prefix = true, string rootPath = "")
    {
        using var head = new RequestHead();
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(request)));
        Assert.True(RequestHeadParser.TryParse(ref reader, head, ParserHarness.DefaultLimits));
        var policy = trusted ? new ForwardingPolicy(ForwardedAllowList.Parse(ForwardedAllowList.Default), host, prefix) : null;
        var scope = ScopeBuilder.Build(head, new ScopeBuilder.ConnectionFacts("http", rootPath, s_peer, null, policy), new Dictionary<string, object?>());

        // The connection reuses the head for the next request: the scope must not depend on it.
        head.Reset();
        var next = new SequenceReader<byte>(new ReadOnlySequence<byte>("GET /zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz HTTP/1.1\r\nHost: zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\r\n\r\n"u8.ToArray()));
        Assert.True(RequestHeadParser.TryParse(ref next, head, ParserHarness.DefaultLimits));
        return scope;
    }

    private static string[] Headers(AsgiScope scope) => scope.Headers.Select(h => h.ToString()).ToArray();

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.Latin1.GetString(bytes.Span);

    [Fact]
    public void Client_and_scheme_come_from_the_forwarding_headers()
    {
        var scope = Build("GET /p HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.7:4000\r\nX-Forwarded-Proto: https\r\n\r\n");
        Assert.Equal(new AsgiEndpoint("203.0.113.7", 4000), scope.Client);
        Assert.Equal("https", scope.Scheme);
        Assert.Equal(["host: h", "x-forwarded-for: 203.0.113.7:4000", "x-forwarded-proto: https"], Headers(scope));
        Assert.Equal("/p", scope.Path);
    }

    [Fact]
    public void Without_trust_the_headers_change_nothing()
    {
        var scope = Build("GET /p HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: e.example\r\nX-Forwarded-Prefix: /api\r\n\r\n", trusted: false);
        Assert.Equal(s_peer, scope.Client);
        Assert.Equal("http", scope.Scheme);
        Assert.Equal("h", Text(scope.GetHeader("host"u8)!.Value));
        Assert.Equal(("", "/p"), (scope.RootPath, scope.Path));
        Assert.Equal(5, scope.Headers.Count);

        var trusted = Build("GET /p HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: e.example\r\nX-Forwarded-Prefix: /api\r\n\r\n");
        Assert.Equal(("203.0.113.7", "https", "e.example", "/api", "/api/p"), (trusted.Client!.Host, trusted.Scheme, Text(trusted.GetHeader("host"u8)!.Value), trusted.RootPath, trusted.Path));
    }

    [Fact]
    public void A_forwarded_host_replaces_host_and_keeps_the_original_as_x_original_host()
    {
        var scope = Build("GET /p HTTP/1.1\r\nX-Original-Host: spoofed\r\nHost: internal:8000\r\nX-Forwarded-Host: public.example\r\nAccept: */*\r\n\r\n");
        Assert.Equal("public.example", Text(scope.GetHeader("host"u8)!.Value));
        Assert.Equal("internal:8000", Text(scope.GetHeader("x-original-host"u8)!.Value));
        // The client's own x-original-host would be indistinguishable from the server's: it is gone.
        Assert.Equal(["host: public.example", "x-forwarded-host: public.example", "accept: */*", "x-original-host: internal:8000"], Headers(scope));
    }

    [Fact]
    public void A_forwarded_host_is_honoured_only_with_ForwardedHost()
    {
        var scope = Build("GET /p HTTP/1.1\r\nHost: internal\r\nX-Original-Host: kept\r\nForwarded: host=public.example;proto=https\r\n\r\n", host: false);
        Assert.Equal(["host: internal", "x-original-host: kept", "forwarded: host=public.example;proto=https"], Headers(scope));
        Assert.Equal("https", scope.Scheme);
    }

    [Fact]
    public void The_original_host_of_an_absolute_form_target_is_its_authority()
    {
        var scope = Build("GET http://target.example/p HTTP/1.1\r\nHost: other\r\nForwarded: host=\"pub\\lic.example\"\r\n\r\n");
        Assert.Equal(["host: public.example", "forwarded: host=\"pub\\lic.example\"", "x-original-host: target.example"], Headers(scope));
    }

    [Fact]
    public void A_request_without_host_gets_the_forwarded_one()
    {
        var scope = Build("GET /p HTTP/1.0\r\nX-Forwarded-Host: public.example\r\n\r\n");
        Assert.Equal(["x-forwarded-host: public.example", "host: public.example"], Headers(scope));
        Assert.Null(scope.GetHeader("x-original-host"u8));
    }

    [Fact]
    public void The_prefix_goes_in_front_of_root_path_path_and_raw_path()
    {
        var scope = Build("GET /items/a%20b?q=1 HTTP/1.1\r\nHost: h\r\nX-Forwarded-Prefix: /my%20api/\r\n\r\n", rootPath: "/v1");
        Assert.Equal("/my api/v1", scope.RootPath);
        Assert.Equal("/my api/items/a b", scope.Path);
        Assert.Equal("/my%20api/items/a%20b", Text(scope.RawPath));
        Assert.Equal("q=1", Text(scope.QueryString));
        Assert.Equal("/my%20api/", Text(scope.GetHeader("x-forwarded-prefix"u8)!.Value));
    }

    [Fact]
    public void The_prefix_is_honoured_only_with_ForwardedPrefix_and_not_for_an_asterisk_target()
    {
        var off = Build("GET /p HTTP/1.1\r\nHost: h\r\nX-Forwarded-Prefix: /api\r\nX-Forwarded-Proto: https\r\n\r\n", prefix: false);
        Assert.Equal(("", "/p", "/p", "https"), (off.RootPath, off.Path, Text(off.RawPath), off.Scheme));

        var asterisk = Build("OPTIONS * HTTP/1.1\r\nHost: h\r\nX-Forwarded-Prefix: /api\r\n\r\n");
        Assert.Equal(("/api", "*", "*"), (asterisk.RootPath, asterisk.Path, Text(asterisk.RawPath)));
    }

    [Fact]
    public void Every_change_at_once_keeps_the_other_headers_in_order()
    {
        var scope = Build("GET /p?x HTTP/1.1\r\nHost: internal\r\nForwarded: for=\"[2001:db8::7]:443\";proto=https;host=public.example\r\nX-Forwarded-Prefix: /api\r\nCookie: c=1\r\n\r\n");
        Assert.Equal(new AsgiEndpoint("2001:db8::7", 443), scope.Client);
        Assert.Equal(("https", "/api", "/api/p", "/api/p", "x"), (scope.Scheme, scope.RootPath, scope.Path, Text(scope.RawPath), Text(scope.QueryString)));
        Assert.Equal(
            ["host: public.example", "forwarded: for=\"[2001:db8::7]:443\";proto=https;host=public.example", "x-forwarded-prefix: /api", "cookie: c=1", "x-original-host: internal"],
            Headers(scope));
        Assert.Equal("c=1", Text(scope.GetHeader("cookie"u8)!.Value));
        Assert.True(scope.Extensions.ContainsKey("http.response.pathsend"));
    }
}
