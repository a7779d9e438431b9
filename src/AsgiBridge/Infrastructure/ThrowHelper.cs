using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AsgiBridge.Http1;

namespace AsgiBridge.Infrastructure;

/// <summary>Cold-path throws kept out of the parsers' hot loops so those inline and stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowBadRequest(RequestRejection reason) => throw new BadRequestException(reason);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowProtocol(string message) => throw new AsgiProtocolException(message);
}
