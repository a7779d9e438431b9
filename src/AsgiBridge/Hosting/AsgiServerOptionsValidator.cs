using Microsoft.Extensions.Options;

namespace AsgiBridge.Hosting;

/// <summary>Checks the settings when the host starts; every message names the setting as it is configured.</summary>
internal sealed class AsgiServerOptionsValidator : IValidateOptions<AsgiServerOptions>
{
    public ValidateOptionsResult Validate(string? name, AsgiServerOptions options)
    {
        var errors = new List<string>();
        void Require(bool condition, string setting, string rule, object? value)
        {
            if (!condition)
            {
                errors.Add($"Asgi:{setting} must be {rule} (got {value}).");
            }
        }

        Require(options.TimeoutKeepAlive > TimeSpan.Zero && options.TimeoutKeepAlive <= TimeSpan.FromDays(1), nameof(options.TimeoutKeepAlive), "between 0 and 1 day, exclusive of 0", options.TimeoutKeepAlive);
        Require(options.TimeoutSend > TimeSpan.Zero && options.TimeoutSend <= TimeSpan.FromDays(1), nameof(options.TimeoutSend), "between 0 and 1 day, exclusive of 0", options.TimeoutSend);
        Require(options.TimeoutRequestHeaders > TimeSpan.Zero && options.TimeoutRequestHeaders <= TimeSpan.FromDays(1), nameof(options.TimeoutRequestHeaders), "between 0 and 1 day, exclusive of 0", options.TimeoutRequestHeaders);
        Require(options.MaxRequestLineSize is >= 16 and <= 1024 * 1024, nameof(options.MaxRequestLineSize), "between 16 and 1048576 bytes", options.MaxRequestLineSize);
        Require(options.MaxRequestHeadersSize is >= 64 and <= 16 * 1024 * 1024, nameof(options.MaxRequestHeadersSize), "between 64 and 16777216 bytes", options.MaxRequestHeadersSize);
        Require(options.MaxRequestHeaderCount is >= 1 and <= 10_000, nameof(options.MaxRequestHeaderCount), "between 1 and 10000", options.MaxRequestHeaderCount);
        Require(options.MaxRequestBodySize is null or >= 0, nameof(options.MaxRequestBodySize), "null or a non-negative number of bytes", options.MaxRequestBodySize);
        Require(options.WsMaxSize is >= 1, nameof(options.WsMaxSize), "at least 1 byte", options.WsMaxSize);
        Require(options.WsPingInterval >= TimeSpan.Zero && options.WsPingInterval <= TimeSpan.FromDays(1), nameof(options.WsPingInterval), "between 0 (off) and 1 day", options.WsPingInterval);
        Require(options.WsPingTimeout >= TimeSpan.Zero && options.WsPingTimeout <= TimeSpan.FromDays(1), nameof(options.WsPingTimeout), "between 0 (no timeout) and 1 day", options.WsPingTimeout);
        Require(options.TimeoutLifespan > TimeSpan.Zero && options.TimeoutLifespan <= TimeSpan.FromDays(1), nameof(options.TimeoutLifespan), "between 0 and 1 day, exclusive of 0", options.TimeoutLifespan);
        Require(Enum.IsDefined(options.Lifespan), nameof(options.Lifespan), "auto, on or off", options.Lifespan);
        Require(options.LimitConcurrency is null or >= 1, nameof(options.LimitConcurrency), "null or at least 1", options.LimitConcurrency);
        Require(options.LimitMaxRequests is null or >= 1, nameof(options.LimitMaxRequests), "null or at least 1", options.LimitMaxRequests);
        Require(options.Backlog is null or >= 1, nameof(options.Backlog), "null or at least 1", options.Backlog);
        Require(options.LimitMaxRequestsJitter >= 0, nameof(options.LimitMaxRequestsJitter), "0 or more", options.LimitMaxRequestsJitter);
        Require(options.RootPath.Length == 0 || (options.RootPath[0] == '/' && options.RootPath[^1] != '/'), nameof(options.RootPath), "empty or a path starting with '/' and not ending with '/'", options.RootPath);

        Require(options.LimitConnections is null or >= 0, nameof(options.LimitConnections), "null, 0 (derived from the descriptor limit) or at least 1", options.LimitConnections);
        Require(Enum.IsDefined(options.ProxyProtocol), nameof(options.ProxyProtocol), "off, v1, v2 or auto", options.ProxyProtocol);
        Require(ProtocolDispatch.IsKnown(options.Protocols), nameof(options.Protocols), ProtocolDispatch.Values, options.Protocols);
        if (ProtocolDispatch.IsKnown(options.Protocols) && options.Protocols.HasFlag(Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http3) && !ProtocolDispatch.QuicSupported)
        {
            // Kestrel would only log a warning and serve without HTTP/3: an operator who asked for it gets told.
            errors.Add($"Asgi:{nameof(options.Protocols)} is {options.Protocols}, but this host cannot serve HTTP/3: QUIC needs libmsquic, which is not installed (docs/http2.md, \"HTTP/3\").");
        }
        try
        {
            _ = DefaultResponseHeaders.Parse(options.Headers);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(ex.Message);
        }

        try
        {
            _ = Proxy.ForwardedAllowList.Parse(options.ForwardedAllowIps ?? "");
        }
        catch (FormatException ex)
        {
            errors.Add($"Asgi:{nameof(options.ForwardedAllowIps)} has an invalid entry: {ex.Message} (got {options.ForwardedAllowIps}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
