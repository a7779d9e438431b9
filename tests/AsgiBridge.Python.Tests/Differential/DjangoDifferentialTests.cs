using System.Text;

namespace AsgiBridge.Python.Tests.Differential;

/// <summary>A Django ASGI app (apps/django_app.py, <c>get_asgi_application()</c>) served by AsgiBridge and by uvicorn.</summary>
public sealed class DjangoDifferentialTests(DjangoPair pair) : IClassFixture<DjangoPair>
{
    [SkippableTheory]
    [InlineData("/hello/")]
    [InlineData("/hello/?name=Ada")]
    [InlineData("/hello")]
    [InlineData("/meta/?x=1")]
    [InlineData("/nowhere/")]
    [InlineData("/submit/")]
    public async Task A_GET_is_answered_the_same(string target)
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        await pair.SameAsync("GET", target);
    }

    [SkippableFact]
    public async Task A_form_POST_is_answered_the_same()
    {
        Skip.If(pair.SkipReason is not null, pair.SkipReason);
        var response = await pair.SameAsync("POST", "/submit/", [("content-type", "application/x-www-form-urlencoded")], Encoding.ASCII.GetBytes("a=1&b=two+words"));
        Assert.Equal(200, response.Status);
        Assert.Contains("two words", response.Text, StringComparison.Ordinal);
    }
}
