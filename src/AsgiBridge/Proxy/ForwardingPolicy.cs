namespace AsgiBridge.Proxy;

/// <summary>
/// What a trusted peer's forwarding headers may change (docs/proxies.md): <c>client</c> and <c>scheme</c> always,
/// the <c>host</c> header with <c>Asgi:ForwardedHost</c>, <c>root_path</c> and <c>path</c> with <c>Asgi:ForwardedPrefix</c>.
/// Built once from the options; a connection holds it only when its peer is trusted.
/// </summary>
internal sealed class ForwardingPolicy(ForwardedAllowList allowList, bool forwardedHost, bool forwardedPrefix)
{
    /// <summary>Which hops of a forwarding chain are proxies to skip.</summary>
    public ForwardedAllowList AllowList { get; } = allowList;

    public bool ForwardedHost { get; } = forwardedHost;

    public bool ForwardedPrefix { get; } = forwardedPrefix;
}
