using System.Net;
using System.Text;

namespace AsgiBridge.Tests.Backends;

/// <summary>
/// The application contract (docs/contract.md), once, for every backend: each derived class runs every test here
/// against one <see cref="AsgiBackend"/>. An expectation that is documented to differ between backends is read from
/// the backend's properties, never from which backend it is.
/// </summary>
public abstract partial class ContractConformanceTests
{
    /// <summary>How long a test waits for something the app or the client does before it fails (not a timing assertion).</summary>
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(10);

    protected ContractConformanceTests(AsgiBackend backend) => Backend = backend;

    protected AsgiBackend Backend { get; }

    private static TaskCompletionSource<T> Signal<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async ValueTask RespondAsync(AsgiSend send, int status, string body, params AsgiHeader[] headers)
    {
        await send(new HttpResponseStartEvent(status, headers));
        await send(new HttpResponseBodyEvent(Encoding.UTF8.GetBytes(body)));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string target, HttpContent? content = null, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = Backend.NewRequest(method, target);
        request.Content = content;
        return await Backend.Client.SendAsync(request, completion).WaitAsync(s_wait);
    }

    private Task<HttpResponseMessage> GetAsync(string target, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead) =>
        SendAsync(HttpMethod.Get, target, completion: completion);

    /// <summary>The client must not get a complete-looking response: the exchange fails (connection closed or stream reset).</summary>
    private async Task AssertAbortedAsync(string target)
    {
        var error = await Record.ExceptionAsync(async () =>
        {
            using var response = await GetAsync(target, HttpCompletionOption.ResponseHeadersRead);
            await response.Content.ReadAsByteArrayAsync().WaitAsync(s_wait);
        });
        Assert.NotNull(error);
        Assert.True(error is HttpRequestException or IOException, $"expected the exchange to fail in transport, got {error}");
    }

    private static string Latin1(ReadOnlyMemory<byte> bytes) => Encoding.Latin1.GetString(bytes.Span);
}
