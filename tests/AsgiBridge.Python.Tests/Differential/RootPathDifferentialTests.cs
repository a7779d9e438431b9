using AsgiBridge.Python.Tests.Infrastructure;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>
/// <c>--root-path /prefix</c> given to both servers: uvicorn 0.17 sets <c>root_path</c> and leaves <c>path</c> as
/// received, so Django's SCRIPT_NAME and Starlette's <c>url_for</c> and mounts must see what they see under uvicorn.
/// </summary>
public sealed class DjangoRootPathDifferentialTests(DjangoRootPathPair pair) : IClassFixture<DjangoRootPathPair>
{
    [SkippableTheory]
    [InlineData("/meta/")]
    [InlineData("/prefix/meta/")]
    [InlineData("/meta")]
    [InlineData("/prefix/meta")]
    [InlineData("/go/")]
    [InlineData("/nowhere/")]
    [InlineData("/prefix/nowhere/")]
    [InlineData("/prefix")]
    [InlineData("/")]
    public async Task A_GET_under_a_root_path_is_answered_the_same(string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", target);
    }
}

/// <summary>apps/starlette_extras_app.py under <c>--root-path /prefix</c>.</summary>
public sealed class StarletteRootPathDifferentialTests(StarletteRootPathPair pair) : IClassFixture<StarletteRootPathPair>
{
    [SkippableTheory]
    [InlineData("/")]
    [InlineData("/prefix/")]
    [InlineData("/prefix")]
    [InlineData("/sub/users/x")]
    [InlineData("/prefix/sub/users/x")]
    [InlineData("/site/")]
    [InlineData("/prefix/site/")]
    [InlineData("/site")]
    [InlineData("/secure/")]
    [InlineData("/go")]
    [InlineData("/page")]
    public async Task A_GET_under_a_root_path_is_answered_the_same(string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", target);
    }

    [SkippableFact]
    public async Task A_WebSocket_under_a_root_path_sees_the_same_urls()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var (bridge, uvicorn) = await pair.WebSocketBothAsync("/ws/headers", ["x", "y"]);
        Assert.Equal(uvicorn, bridge);
    }
}
