using AsgiBridge.Host.Apps;
using AsgiBridge.Tests.Infrastructure;
using Microsoft.Playwright;

namespace AsgiBridge.Tests.Browser;

/// <summary>
/// End to end in a real browser: headless Chromium (Debian's package, /usr/bin/chromium) opens the demo's /chat
/// in two pages; a message typed in one appears in the other. When no browser can be started here the test
/// reports itself skipped with the reason, never passed.
/// </summary>
public sealed class ChatInBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] s_chromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic",
    ];

    [SkippableFact]
    public async Task A_message_typed_in_one_chat_tab_appears_in_the_other()
    {
        Skip.IfNot(File.Exists(ChromiumPath), $"Chromium is not installed at {ChromiumPath} (Debian package 'chromium'; .ci/run installs it).");
        await using var server = await TestServer.StartAsync(DemoApp.App);

        IPlaywright playwright;
        IBrowserContext context;
        var profile = Directory.CreateTempSubdirectory("asgibridge-chromium-");
        try
        {
            playwright = await Playwright.CreateAsync();
            context = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = s_chromiumArgs,
                Timeout = 30_000,
            });
        }
        catch (Exception ex) when (ex is PlaywrightException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            profile.Delete(recursive: true);
            Skip.If(true, $"Chromium could not be started here: {ex.Message}");
            return;
        }

        try
        {
            var alice = await context.NewPageAsync();
            var bob = await context.NewPageAsync();
            var url = new Uri(server.BaseUri, "/chat").ToString();
            await alice.GotoAsync(url);
            await bob.GotoAsync(url);
            await Assertions.Expect(alice.Locator("#status")).ToHaveTextAsync("connected", new() { Timeout = 15_000 });
            await Assertions.Expect(bob.Locator("#status")).ToHaveTextAsync("connected", new() { Timeout = 15_000 });

            // The room is shared by everything in this process (other tests chat too): look for our own message.
            var text = $"hello from alice {Guid.NewGuid():N}";
            await alice.FillAsync("#text", text);
            await alice.ClickAsync("#send");

            await Assertions.Expect(bob.Locator("#log .message", new() { HasText = text })).ToHaveCountAsync(1, new() { Timeout = 15_000 });
            await Assertions.Expect(alice.Locator("#log .message", new() { HasText = text })).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        }
        finally
        {
            await context.CloseAsync();
            playwright.Dispose();
            profile.Delete(recursive: true);
        }
    }
}
