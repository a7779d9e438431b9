using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using AsgiBridge.Http1;
using AsgiBridge.Proxy;
using AsgiBridge.Tests.Http1;

namespace AsgiBridge.Tests.Proxy;

/// <summary>What <see cref="ForwardedHeaders.TryResolve"/> decided, as plain values.</summary>
internal sealed record ForwardedOutcome(AsgiEndpoint? Client, bool? Secure, string? Host, string? Prefix)
{
    public static readonly ForwardedOutcome Unchanged = new(null, null, null, null);
}

/// <summary>Parses header lines with the real parser and runs the forwarding rules over them.</summary>
internal static class ForwardedHarness
{
    /// <summary>The proxies of the examples: the loopback and 10.0.0.0/8.</summary>
    public const string Proxies = "127.0.0.1,::1,10.0.0.0/8";

    public static ForwardedOutcome Resolve(params string[] lines) => Resolve(Proxies, host: true, prefix: true, lines);

    public static ForwardedOutcome Resolve(string allowList, bool host, bool prefix, params string[] lines)
    {
        using var head = Parse(lines);
        var policy = new ForwardingPolicy(ForwardedAllowList.Parse(allowList), host, prefix);
        var changed = ForwardedHeaders.TryResolve(new HeaderLines(head), policy, out var result);

        // The scope builder asks MayBePresent first: it must never rule out a request with something to change.
        Assert.True(!changed || ForwardedHeaders.MayBePresent(head.Arena.Span, CollectionsMarshal.AsSpan(head.Fields)));
        if (!changed)
        {
            return ForwardedOutcome.Unchanged;
        }

        Assert.True(result.ChangesScope);
        return new ForwardedOutcome(
            result.Client,
            result.Secure,
            result.Host.IsEmpty ? null : Encoding.Latin1.GetString(result.Host),
            result.Prefix.IsEmpty ? null : Encoding.Latin1.GetString(result.Prefix));
    }

    /// <summary>A request head with a Host line and <paramref name="lines"/> (<c>Name: value</c>).</summary>
    public static RequestHead Parse(params string[] lines)
    {
        var head = new RequestHead();
        var text = "GET /p HTTP/1.1\r\nHost: origin.example\r\n" + string.Concat(lines.Select(l => l + "\r\n")) + "\r\n";
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(text)));
        Assert.True(RequestHeadParser.TryParse(ref reader, head, ParserHarness.DefaultLimits));
        return head;
    }

    public static AsgiEndpoint Client(string host, int port = 0) => new(host, port);
}
