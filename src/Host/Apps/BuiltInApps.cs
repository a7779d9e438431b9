using System.Diagnostics.CodeAnalysis;

namespace AsgiBridge.Host.Apps;

/// <summary>The apps the host can serve, chosen with <c>--app NAME</c>.</summary>
public static class BuiltInApps
{
    /// <summary>The app served when <c>--app</c> is not given.</summary>
    public const string DefaultName = "demo";

    private static readonly Dictionary<string, AsgiApp> s_apps = new(StringComparer.OrdinalIgnoreCase)
    {
        ["demo"] = DemoApp.App,
        ["hello"] = HelloApp.App,
        ["echo"] = EchoApp.App,
    };

    /// <summary>The names of the built-in apps.</summary>
    public static IEnumerable<string> Names => s_apps.Keys;

    /// <summary>Looks an app up by name.</summary>
    /// <param name="name">The app's name, case-insensitive.</param>
    /// <param name="app">The app, when found.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryGet(string name, [NotNullWhen(true)] out AsgiApp? app) => s_apps.TryGetValue(name, out app);
}
