using System.Net;
using System.Text;

namespace AsgiBridge.Tests.Backends;

/// <summary>The <c>http</c> scope, its extensions, and the lifespan's state (docs/contract.md, "Scope").</summary>
public abstract partial class ContractConformanceTests
{
    private async Task<AsgiScope> ScopeOfAsync(HttpMethod method, string rest = "", Action<HttpRequestMessage>? prepare = null)
    {
        var seen = Signal<AsgiScope>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            seen.TrySetResult(scope);
            await RespondAsync(send, 200, "ok");
        });
        using var request = Backend.NewRequest(method, path + rest);
        prepare?.Invoke(request);
        using var response = await Backend.Client.SendAsync(request).WaitAsync(s_wait);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Backend.HttpVersion == "2" ? HttpVersion.Version20 : HttpVersion.Version11, response.Version);
        return await seen.Task.WaitAsync(s_wait);
    }

    [Fact]
    public async Task The_http_scope_has_the_contract_keys_with_their_types()
    {
        var scope = await ScopeOfAsync(HttpMethod.Patch);

        Assert.Equal("http", scope["type"]);
        var asgi = Assert.IsAssignableFrom<IDictionary<string, object?>>(scope["asgi"]);
        Assert.Equal("3.0", asgi["version"]);
        Assert.Equal("2.4", asgi["spec_version"]);
        Assert.Equal(Backend.HttpVersion, scope["http_version"]);
        Assert.Equal("PATCH", scope["method"]);
        Assert.Equal(Backend.Scheme, scope["scheme"]);
        Assert.IsType<string>(scope["path"]);
        Assert.IsType<ReadOnlyMemory<byte>>(scope["raw_path"]);
        Assert.IsType<ReadOnlyMemory<byte>>(scope["query_string"]);
        Assert.Equal("", scope["root_path"]);
        Assert.IsAssignableFrom<IReadOnlyList<AsgiHeader>>(scope["headers"]);
        Assert.IsAssignableFrom<IDictionary<string, object?>>(scope["state"]);
        Assert.IsAssignableFrom<IDictionary<string, object?>>(scope["extensions"]);
        Assert.False(scope.ContainsKey("subprotocols"));
    }

    [Fact]
    public async Task Path_is_percent_decoded_and_raw_path_and_query_string_are_the_bytes_as_sent()
    {
        var scope = await ScopeOfAsync(HttpMethod.Get, "/a%20b/caf%C3%A9?x=1&y=%2F&z=a+b");
        var route = scope.Path[..scope.Path.IndexOf("/a b", StringComparison.Ordinal)];

        Assert.Equal(route + "/a b/café", scope.Path);
        Assert.Equal(route + "/a%20b/caf%C3%A9", Latin1(scope.RawPath));
        Assert.Equal("x=1&y=%2F&z=a+b", Latin1(scope.QueryString));
        Assert.Equal("", scope.RootPath);
    }

    [Fact]
    public async Task Headers_are_lower_cased_byte_pairs_with_host_and_no_pseudo_headers()
    {
        var scope = await ScopeOfAsync(HttpMethod.Get, prepare: request => request.Headers.Add("X-Conformance", "Mixed Case Value"));
        var headers = scope.Headers.Select(h => (Name: h.NameString, Value: h.ValueString)).ToList();

        Assert.All(headers, h => Assert.Equal(h.Name.ToLowerInvariant(), h.Name));
        Assert.DoesNotContain(headers, h => h.Name.StartsWith(':'));
        Assert.Contains(("x-conformance", "Mixed Case Value"), headers);
        Assert.Equal(Backend.Authority, Assert.Single(headers, h => h.Name == "host").Value);
    }

    [Fact]
    public async Task Client_and_server_are_the_socket_addresses_or_null_without_a_socket()
    {
        var scope = await ScopeOfAsync(HttpMethod.Get);

        Assert.True(scope.ContainsKey("client"));
        Assert.True(scope.ContainsKey("server"));
        if (Backend.HasSocketEndpoints)
        {
            Assert.Equal("127.0.0.1", scope.Client!.Host);
            Assert.InRange(scope.Client.Port!.Value, 1, 65535);
            Assert.Equal(new AsgiEndpoint("127.0.0.1", Backend.Port), scope.Server);
        }
        else
        {
            Assert.Null(scope["client"]);
            Assert.Null(scope["server"]);
        }
    }

    [Fact]
    public async Task The_http_scope_declares_its_backends_extensions()
    {
        var scope = await ScopeOfAsync(HttpMethod.Get);

        Assert.Equal(Backend.HttpExtensions, scope.Extensions.Keys.Order(StringComparer.Ordinal));
        if (Backend.Tls)
        {
            var tls = Assert.IsAssignableFrom<IDictionary<string, object?>>(scope.Extensions["tls"]);
            Assert.True((int)tls["tls_version"]! >= 0x0303);
            Assert.StartsWith("-----BEGIN CERTIFICATE-----", (string)tls["server_cert"]!, StringComparison.Ordinal);
            Assert.Empty(Assert.IsAssignableFrom<System.Collections.IEnumerable>(tls["client_cert_chain"]!).Cast<object>());
            Assert.Null(tls["client_cert_name"]);
        }
    }

    [Fact]
    public async Task An_early_hint_is_accepted_exactly_where_the_extension_is_declared()
    {
        var outcome = Signal<(bool Declared, Exception? Error)>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            var declared = scope.Extensions.ContainsKey("http.response.early_hint");
            var error = await Record.ExceptionAsync(async () => await send(new Dictionary<string, object?>
            {
                ["type"] = "http.response.early_hint",
                ["links"] = new List<object> { "</style.css>; rel=preload; as=style"u8.ToArray() },
            }));
            outcome.TrySetResult((declared, error));
            await RespondAsync(send, 200, "final");
        });

        using var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("final", await response.Content.ReadAsStringAsync());
        var (declared, error) = await outcome.Task.WaitAsync(s_wait);
        Assert.Equal(Backend.EarlyHints, declared);
        if (declared)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.IsType<AsgiProtocolException>(error);
        }
    }

    [Fact]
    public async Task Trailers_reach_the_client_exactly_where_the_extension_is_declared()
    {
        var declared = Signal<bool>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            declared.TrySetResult(scope.Extensions.ContainsKey("http.response.trailers"));
            await send(new HttpResponseStartEvent(200, [new("content-type", "text/plain"), new("trailer", "x-checksum")]) { Trailers = true });
            await send(new HttpResponseBodyEvent("with "u8.ToArray(), moreBody: true));
            await send(new HttpResponseBodyEvent("trailers"u8.ToArray()));
            await send(new HttpResponseTrailersEvent([new("x-checksum", "abc")]));
        });

        using var request = Backend.NewRequest(HttpMethod.Get, path);
        request.Headers.TE.Add(new System.Net.Http.Headers.TransferCodingWithQualityHeaderValue("trailers"));
        using var response = await Backend.Client.SendAsync(request).WaitAsync(s_wait);
        Assert.Equal("with trailers", await response.Content.ReadAsStringAsync());

        Assert.Equal(Backend.TrailersWithTe, await declared.Task.WaitAsync(s_wait));
        if (Backend.TrailersWithTe)
        {
            Assert.Equal("abc", response.TrailingHeaders.GetValues("x-checksum").Single());
        }
        else
        {
            // Not declared: the announcement is honoured, the fields dropped, the response complete.
            Assert.False(response.TrailingHeaders.Contains("x-checksum"));
        }
    }

    [Fact]
    public async Task Pathsend_sends_the_file_as_the_whole_body()
    {
        var file = Path.Combine(Path.GetTempPath(), $"asgibridge-conformance-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, "the file's contents");
        try
        {
            var path = Backend.Route(async (scope, receive, send) =>
            {
                Assert.True(scope.Extensions.ContainsKey("http.response.pathsend"));
                await send(new HttpResponseStartEvent(200, [new("content-type", "text/plain")]));
                await send(new HttpResponsePathSendEvent(file));
            });

            using var response = await GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(19, response.Content.Headers.ContentLength);
            Assert.Equal("the file's contents", await response.Content.ReadAsStringAsync());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_lifespan_startup_ran_once_and_each_scope_gets_a_copy_of_its_state()
    {
        var states = new List<Dictionary<string, object?>>();
        var path = Backend.Route(async (scope, receive, send) =>
        {
            lock (states)
            {
                states.Add(new Dictionary<string, object?>(scope.State!, StringComparer.Ordinal));
            }

            scope.State!["written-by-a-request"] = true; // a copy: no other scope sees it
            await RespondAsync(send, 200, "ok");
        });

        for (var i = 0; i < 3; i++)
        {
            using var response = await GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, states.Count);
        Assert.All(states, state =>
        {
            Assert.Equal(AsgiBackend.LifespanMarker, state["marker"]);
            Assert.False(state.ContainsKey("written-by-a-request"));
        });
        Assert.Equal(1, Backend.Startups);
    }
}
