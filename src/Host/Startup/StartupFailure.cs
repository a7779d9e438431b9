using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace AsgiBridge.Host.Startup;

/// <summary>
/// Turns whatever stopped the host from starting into the one line the host prints: the address and the cause for
/// a listen failure, the message otherwise. The stack is left out: these are configuration or environment problems,
/// not bugs (the host's own log record with the stack is shown with <c>--log-level debug</c>).
/// </summary>
internal static class StartupFailure
{
    /// <summary>The line for <paramref name="exception"/>.</summary>
    /// <param name="exception">What <c>StartAsync</c> threw.</param>
    /// <param name="addresses">The addresses of <c>urls</c>, in the order Kestrel binds them.</param>
    /// <param name="bound">The addresses Kestrel had bound before it failed (they are bound in order).</param>
    public static string Describe(Exception exception, IReadOnlyList<string> addresses, IReadOnlyCollection<string> bound)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        if (exception is OptionsValidationException validation)
        {
            // Its message joins the failures with "; " after each one's own full stop.
            return OneLine(string.Join(" ", validation.Failures));
        }

        var cause = ListenCause(exception);
        if (cause is null)
        {
            return OneLine(exception.Message);
        }

        // Kestrel names the address only for "address in use"; the first address not yet bound is the failing one.
        var address = bound.Count < addresses.Count ? addresses[bound.Count] : string.Join(", ", addresses);
        return $"cannot listen on {address}: {cause}.";
    }

    /// <summary>Why binding failed, when the exception is a listen failure.</summary>
    private static string? ListenCause(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AddressInUseException:
                    return "address already in use";
                case SocketException socket when socket.SocketErrorCode == SocketError.AccessDenied:
                    return "permission denied";
                case SocketException socket:
                    return OneLine(socket.Message).TrimEnd('.');
            }
        }

        return null;
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
