using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// An event the server's <c>receive</c> returned, as the dict an ASGI app expects (new reference). The typed events
/// take a direct path; a WebSocket message carries only the key it has (<c>bytes</c> or <c>text</c>), as uvicorn sends
/// it. Loop thread, GIL held.
/// </summary>
internal static class EventsToPython
{
    public static nint Convert(IDictionary<string, object?> ev)
    {
        switch (ev)
        {
            case HttpRequestEvent request:
            {
                var dict = WithType(request.Type);
                CPython.DictSetStolen(dict, PyStrings.Body, CPython.NewBytes(request.Body.Span));
                CPython.DictSetStolen(dict, PyStrings.MoreBody, CPython.NewBool(request.MoreBody));
                return dict;
            }

            case HttpDisconnectEvent or WebSocketConnectEvent or LifespanEvent { Message: null }:
                return WithType(((AsgiEvent)ev).Type);
            case WebSocketMessageEvent message:
            {
                var dict = WithType(message.Type);
                if (message.Text is { } text)
                {
                    CPython.DictSetStolen(dict, PyStrings.Text, CPython.NewString(text));
                }
                else
                {
                    CPython.DictSetStolen(dict, PyStrings.Bytes, CPython.NewBytes(message.Bytes.GetValueOrDefault().Span));
                }

                return dict;
            }

            case WebSocketCloseEvent close:
            {
                var dict = WithType(close.Type);
                CPython.DictSetStolen(dict, PyStrings.Code, CPython.NewInt(close.Code));
                CPython.DictSetStolen(dict, PyStrings.Reason, CPython.NewString(close.Reason ?? ""));
                return dict;
            }

            default:
                return ValuesToPython.Convert(ev);
        }
    }

    /// <summary><c>{"type": "http.disconnect"}</c>: what a request's <c>receive()</c> gets once the app has returned.</summary>
    public static nint HttpDisconnect() => WithType("http.disconnect");

    private static nint WithType(string type)
    {
        var dict = CPython.NewDict();
        CPython.DictSetStolen(dict, PyStrings.Type, PyStrings.New(type));
        return dict;
    }
}
