using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AsgiBridge.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace MapAsgiSample.Tests;

/// <summary>The whole ASP.NET Core app under WebApplicationFactory: the health check, the controller and the ASGI app.</summary>
public sealed class SampleAppTests : IClassFixture<WebApplicationFactory<Program>>
{
    private readonly WebApplicationFactory<Program> _factory;

    public SampleAppTests(WebApplicationFactory<Program> factory) => _factory = factory;

    [Fact]
    public async Task The_health_check_and_the_controller_answer_beside_the_asgi_app()
    {
        using var client = _factory.CreateClient();
        Assert.Equal("ok", await client.GetStringAsync(new Uri("/health", UriKind.Relative)));
        Assert.Equal("hello from a controller", await client.GetStringAsync(new Uri("/api/greeting", UriKind.Relative)));
    }

    [Fact]
    public async Task The_asgi_app_answers_under_its_prefix_with_its_lifespan_state()
    {
        using var client = _factory.CreateClient();
        using var json = JsonDocument.Parse(await client.GetStringAsync(new Uri("/asgi/items", UriKind.Relative)));
        Assert.Equal("/asgi", json.RootElement.GetProperty("root_path").GetString());
        Assert.Equal("/asgi/items", json.RootElement.GetProperty("path").GetString());
        Assert.Equal("the shop is open", json.RootElement.GetProperty("opened").GetString());

        using var missing = await client.GetAsync(new Uri("/asgi/nothing", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_asgi_websocket_echoes_through_the_factory()
    {
        var ws = _factory.Server.CreateWebSocketClient();
        using var socket = await ws.ConnectAsync(new Uri("ws://localhost/asgi/ws"), CancellationToken.None);
        await socket.SendAsync("hi"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[16];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("hi", Encoding.UTF8.GetString(buffer, 0, result.Count));
    }
}

/// <summary>The ASGI app alone, in memory, with AsgiTestClient.</summary>
public sealed class ShopAppTests
{
    [Fact]
    public async Task Items_are_listed_with_the_lifespan_state()
    {
        await using var client = new AsgiTestClient(ShopApp.App);
        using var json = JsonDocument.Parse(await client.HttpClient.GetStringAsync(new Uri("/items", UriKind.Relative)));
        Assert.Equal(2, json.RootElement.GetProperty("items").GetArrayLength());
        Assert.Equal("the shop is open", json.RootElement.GetProperty("opened").GetString());
    }

    [Fact]
    public async Task The_websocket_echoes()
    {
        await using var client = new AsgiTestClient(ShopApp.App);
        using var socket = await client.ConnectWebSocketAsync("/ws");
        await socket.SendAsync("hi"u8.ToArray(), WebSocketMessageType.Binary, true, CancellationToken.None);
        var buffer = new byte[16];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
        Assert.Equal("hi", Encoding.ASCII.GetString(buffer, 0, result.Count));
    }
}
