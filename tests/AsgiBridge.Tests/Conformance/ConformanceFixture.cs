using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;

namespace AsgiBridge.Tests.Conformance;

/// <summary>One live host running the echo app (as the held-out corpus does) for all corpus cases.</summary>
public sealed class ConformanceFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(EchoApp.App);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
