using AsgiBridge.Python.Interop;

namespace AsgiBridge.Python.Bridge;

/// <summary>
/// Interned Python strings for the keys and common values of every scope and event, made once when the interpreter
/// starts and kept for its life (borrowed by the converters: they take a new reference when they store one).
/// </summary>
internal static class PyStrings
{
    public static nint Type { get; private set; }
    public static nint Asgi { get; private set; }
    public static nint Version { get; private set; }
    public static nint SpecVersion { get; private set; }
    public static nint HttpVersion { get; private set; }
    public static nint Method { get; private set; }
    public static nint Scheme { get; private set; }
    public static nint Path { get; private set; }
    public static nint RawPath { get; private set; }
    public static nint QueryString { get; private set; }
    public static nint RootPath { get; private set; }
    public static nint Headers { get; private set; }
    public static nint Client { get; private set; }
    public static nint Server { get; private set; }
    public static nint Subprotocols { get; private set; }
    public static nint State { get; private set; }
    public static nint Extensions { get; private set; }
    public static nint Body { get; private set; }
    public static nint MoreBody { get; private set; }
    public static nint Bytes { get; private set; }
    public static nint Text { get; private set; }
    public static nint Code { get; private set; }
    public static nint Reason { get; private set; }
    public static nint Status { get; private set; }
    public static nint Trailers { get; private set; }

    /// <summary>The names of the extensions a scope may declare (keys of its <c>extensions</c> dict).</summary>
    public static nint PathSendExtension { get; private set; }

    public static nint EarlyHintExtension { get; private set; }

    public static nint TrailersExtension { get; private set; }

    private static readonly Dictionary<string, nint> s_values = new(StringComparer.Ordinal);

    public static void Init()
    {
        Type = CPython.Intern("type");
        Asgi = CPython.Intern("asgi");
        Version = CPython.Intern("version");
        SpecVersion = CPython.Intern("spec_version");
        HttpVersion = CPython.Intern("http_version");
        Method = CPython.Intern("method");
        Scheme = CPython.Intern("scheme");
        Path = CPython.Intern("path");
        RawPath = CPython.Intern("raw_path");
        QueryString = CPython.Intern("query_string");
        RootPath = CPython.Intern("root_path");
        Headers = CPython.Intern("headers");
        Client = CPython.Intern("client");
        Server = CPython.Intern("server");
        Subprotocols = CPython.Intern("subprotocols");
        State = CPython.Intern("state");
        Extensions = CPython.Intern("extensions");
        Body = CPython.Intern("body");
        MoreBody = CPython.Intern("more_body");
        Bytes = CPython.Intern("bytes");
        Text = CPython.Intern("text");
        Code = CPython.Intern("code");
        Reason = CPython.Intern("reason");
        Status = CPython.Intern("status");
        Trailers = CPython.Intern("trailers");
        PathSendExtension = CPython.Intern("http.response.pathsend");
        EarlyHintExtension = CPython.Intern("http.response.early_hint");
        TrailersExtension = CPython.Intern("http.response.trailers");
        foreach (var value in new[]
                 {
                     "http", "websocket", "lifespan", "https", "ws", "wss", "1.0", "1.1", "2", "3.0", "2.0", "2.4", "",
                     "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
                     "http.request", "http.disconnect", "websocket.connect", "websocket.receive", "websocket.disconnect",
                     "lifespan.startup", "lifespan.shutdown",
                     "http.response.pathsend", "http.response.early_hint", "http.response.trailers",
                 })
        {
            s_values[value] = CPython.Intern(value);
        }
    }

    /// <summary>A new reference to <paramref name="value"/> as a str, shared when it is a common one.</summary>
    public static nint New(string value)
    {
        if (s_values.TryGetValue(value, out var interned))
        {
            CPython.IncRef(interned);
            return interned;
        }

        return CPython.NewString(value);
    }
}
