using System.Text;

namespace AsgiBridge.Tests.Infrastructure;

/// <summary>Small apps for tests, written against the public contract only.</summary>
public static class TestApps
{
    public static AsgiApp Respond(int status, string body, params AsgiHeader[] headers) => async (scope, receive, send) =>
    {
        await send(new HttpResponseStartEvent(status, headers));
        await send(new HttpResponseBodyEvent(Encoding.UTF8.GetBytes(body)));
    };

    /// <summary>Receives until something other than http.request arrives and reports its type.</summary>
    public static AsgiApp ReportFirstNonRequestEvent(TaskCompletionSource<string> seen) => async (scope, receive, send) =>
    {
        while (true)
        {
            var message = await receive();
            if (message is not HttpRequestEvent)
            {
                seen.TrySetResult((string)message["type"]!);
                return;
            }
        }
    };

    public static async Task<byte[]> ReadBodyAsync(AsgiReceive receive)
    {
        var body = new List<byte>();
        while (true)
        {
            var message = await receive();
            if (message is not HttpRequestEvent request)
            {
                return [.. body];
            }

            body.AddRange(request.Body.ToArray());
            if (!request.MoreBody)
            {
                return [.. body];
            }
        }
    }
}
